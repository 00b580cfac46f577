// The project's own Docker engine: a dockerd whose data, state, pidfile and socket live under
// .state/docker/, with no bridge network and no iptables rules (containers use the host's
// network). `./scripts/dev` and `./scripts/test` start it when none answers at its socket and
// stop it when they end; one that already answers (another command's) is used and left running.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";

export interface DockerEngine {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  socket: string;
  /** True when this process started the engine (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

/** Short paths: a unix socket path may not exceed 107 bytes, and containerd nests its own. */
export function enginePaths(root: string) {
  const dir = path.join(root, ".state/docker");
  return {
    dir,
    socket: path.join(dir, "docker.sock"),
    pidfile: path.join(dir, "docker.pid"),
    dataRoot: path.join(dir, "data"),
    execRoot: path.join(dir, "x"),
    log: path.join(dir, "dockerd.log"),
  };
}

/** GET /_ping on the socket: true when an engine answers. */
export function engineAnswers(socket: string, timeoutMs = 2000): Promise<boolean> {
  if (!existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: "/_ping", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(pidfile: string): number | null {
  try {
    const pid = Number(readFileSync(pidfile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** dockerd runs as root; a non-root developer gets it through sudo (non-interactive). */
function asRoot(argv: string[]): string[] {
  return process.getuid?.() === 0 ? argv : ["sudo", "-n", ...argv];
}

/** Starts the project's engine unless one already answers at its socket. */
export async function ensureDockerEngine(root: string): Promise<DockerEngine> {
  const p = enginePaths(root);
  const host = `unix://${p.socket}`;
  const reuse = (): DockerEngine => ({ host, socket: p.socket, started: false, stop: async () => {} });
  if (await engineAnswers(p.socket)) return reuse();

  mkdirSync(p.dir, { recursive: true });
  // An engine still starting (another command) gets a moment; a dead one's pidfile goes.
  const earlier = readPid(p.pidfile);
  if (earlier !== null && alive(earlier)) {
    if (await waitFor(() => engineAnswers(p.socket), 60_000)) return reuse();
    throw new Error(`dockerd (pid ${earlier}) runs but does not answer at ${p.socket}; see ${p.log}`);
  }
  rmSync(p.pidfile, { force: true });

  const out = openSync(p.log, "a");
  const argv = asRoot([
    "dockerd",
    "--data-root",
    p.dataRoot,
    "--exec-root",
    p.execRoot,
    "--pidfile",
    p.pidfile,
    "-H",
    host,
    // Never Docker's default bridge (a 172.x range this machine may not use): host network only.
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
  ]);
  const child: ChildProcess = spawn(argv[0] ?? "dockerd", argv.slice(1), {
    stdio: ["ignore", out, out],
    detached: true,
  });
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  child.on("error", () => {
    exited = true;
  });
  const up = await waitFor(async () => exited || (await engineAnswers(p.socket)), 60_000);
  if (!up || exited) {
    if (!exited && child.pid) process.kill(child.pid, "SIGTERM");
    const log = existsSync(p.log) ? readFileSync(p.log, "utf8").trim().split("\n").slice(-5).join("\n") : "";
    throw new Error(`dockerd did not start (see ${p.log}):\n${log}`);
  }
  child.unref();

  return {
    host,
    socket: p.socket,
    started: true,
    async stop() {
      if (exited) return;
      const pid = readPid(p.pidfile) ?? child.pid;
      if (pid) {
        if (process.getuid?.() === 0) process.kill(pid, "SIGTERM");
        else spawnSync("sudo", ["-n", "kill", "-TERM", String(pid)]);
      }
      // dockerd stops its containers first (up to their stop timeout), then exits.
      if (!(await waitFor(() => exited || (pid !== undefined && !alive(pid)), 30_000)) && pid) {
        const [command = "kill", ...args] = asRoot(["kill", "-KILL", String(pid)]);
        spawnSync(command, args);
      }
    },
  };
}

/** Names of the engine's bridge networks: there must be none (no 172.x addresses, ever). */
export function bridgeNetworks(host: string): string[] {
  const r = spawnSync("docker", ["network", "ls", "--filter", "driver=bridge", "--format", "{{.Name}}"], {
    env: { ...process.env, DOCKER_HOST: host },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`docker network ls failed: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean);
}
