/**
 * What the benchmark runs against, all behind one real Caddy with the VM's Caddyfile:
 * - berth: the agent's terminal server in its own Bun process (its RSS and CPU are the agent's);
 * - the PTY reference: websocketd serving bash in a PTY through util-linux `script` (a plain C
 *   PTY bridge: what any terminal server has to do at least);
 * - the pipe ceiling: websocketd streaming `cat` with no PTY at all.
 * The references are forwarded ports (`<port>.<hostname>`), so Caddy's forward_auth asks the agent
 * first; the client carries the agent's cookie like a browser would.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startCaddy } from "../vm-agent/test/http/caddy.ts";
import { login, makeKeys, mintToken, testConfig } from "../vm-agent/test/terminal/helpers.ts";
import { BenchClient } from "./client.ts";

export const hostname = "bench.localhost";
export const prompt = "PROMPT$ ";

/** An interactive bash in a terminal, ready at its prompt. */
export interface Shell {
  c: BenchClient;
  close(): Promise<void>;
}

export interface Target {
  name: string;
  openShell(): Promise<Shell>;
}

export interface Bench {
  berth: Target;
  ptyRef: Target;
  /** websocketd streaming `cat <file>` (pipe ceiling), as a forwarded port. */
  pipeCat: PortTarget;
  /** websocketd echoing through `cat` (pipe ceiling for latency), as a forwarded port. */
  pipeEcho: PortTarget;
  agentPid: number;
}

/** A forwarded port's WebSocket URL and what a signed-in browser sends it. */
export interface PortTarget {
  url: string;
  headers: Record<string, string>;
}

type Cleanups = Array<() => Promise<void> | void>;

/**
 * The agent's server compiled like the shipped binary (`bun build --compile --minify`), so its RSS
 * is what a VM sees (running the TypeScript sources would add the transpiler's share).
 */
async function compileAgent(dir: string): Promise<string> {
  const out = join(dir, "berth-agent-bench");
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      "--compile",
      "--minify",
      join(import.meta.dir, "agent-entry.ts"),
      "--outfile",
      out,
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`compiling the agent failed: ${err}`);
  return out;
}

export async function startBench(dir: string, file: string, cleanups: Cleanups): Promise<Bench> {
  const keys = await makeKeys();
  const agentPort = freePort();
  const shellEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, PS1: prompt, LANG: "C.UTF-8" };
  const agent = Bun.spawn([await compileAgent(dir)], {
    env: {
      ...process.env,
      BENCH_AGENT: JSON.stringify({
        config: { ...testConfig(keys, agentPort), hostname },
        shell: { command: ["bash", "--noprofile", "--norc", "-i"], cwd: dir, env: shellEnv },
      }),
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  cleanups.push(async () => {
    agent.kill("SIGTERM");
    await agent.exited;
  });
  const reader = agent.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  if (!first.includes(`"port":${agentPort}`)) throw new Error(`agent did not start: ${first}`);

  const rc = join(dir, "bench.bashrc");
  writeFileSync(rc, `PS1='${prompt}'\n`);
  const bash = `bash --noprofile --rcfile ${rc} -i`;
  const wsdEnv = { PATH: shellEnv.PATH, HOME: dir, LANG: "C.UTF-8", TERM: "xterm-256color" };
  const pipeCat = startWebsocketd(["cat", file], wsdEnv, cleanups);
  const pipeEcho = startWebsocketd(["cat"], wsdEnv, cleanups);
  const ptyShell = startWebsocketd(["script", "-qfec", bash, "/dev/null"], wsdEnv, cleanups);

  const caddy = await startCaddy({ hostname, agentPort });
  cleanups.push(() => caddy.stop());
  for (const port of [pipeCat, pipeEcho, ptyShell]) await waitForHttp(`http://127.0.0.1:${port}/`);
  const cookie = await login(caddy.url, await mintToken(keys.privateKey));
  const origin = caddy.url;
  const headers = { cookie, origin };
  // A forwarded port is a host of its own, with its own cookie from the same token exchange, and
  // its own origin (the agent refuses the terminal's cookie and foreign origins there).
  const portTarget = async (port: number): Promise<PortTarget> => {
    const base = `http://${port}.${hostname}:${caddy.port}`;
    const portCookie = await login(base, await mintToken(keys.privateKey));
    return { url: `ws://${port}.${hostname}:${caddy.port}/`, headers: { cookie: portCookie, origin: base } };
  };
  const pipeCatTarget = await portTarget(pipeCat);
  const pipeEchoTarget = await portTarget(pipeEcho);
  const ptyShellTarget = await portTarget(ptyShell);

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${caddy.url}${path}`, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    return res.status === 204 ? null : res.json();
  };

  const berth: Target = {
    name: "berth",
    async openShell() {
      const { id } = (await api("POST", "/api/sessions", { cols: 200, rows: 50 })) as { id: string };
      const c = new BenchClient(`ws://${hostname}:${caddy.port}/api/sessions/${id}/ws`, headers, true);
      await c.opened;
      await c.until(() => c.tailIncludes(prompt));
      return {
        c,
        async close() {
          c.close();
          await api("DELETE", `/api/sessions/${id}`);
        },
      };
    },
  };
  const ptyRef: Target = {
    name: "pty ref",
    async openShell() {
      const c = new BenchClient(ptyShellTarget.url, ptyShellTarget.headers, false);
      await c.opened;
      await c.until(() => c.tailIncludes(prompt));
      return {
        c,
        async close() {
          c.close();
        },
      };
    },
  };
  return {
    berth,
    ptyRef,
    pipeCat: pipeCatTarget,
    pipeEcho: pipeEchoTarget,
    agentPid: agent.pid,
  };
}

function startWebsocketd(command: string[], env: Record<string, string>, cleanups: Cleanups): number {
  const port = freePort();
  const proc = Bun.spawn(
    [
      "websocketd",
      "--address",
      "127.0.0.1",
      "--port",
      String(port),
      "--binary",
      "--loglevel",
      "error",
      ...command,
    ],
    { stdout: "ignore", stderr: "ignore", env },
  );
  cleanups.push(async () => {
    proc.kill("SIGTERM");
    await proc.exited;
  });
  return port;
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`${url} did not come up`);
}
