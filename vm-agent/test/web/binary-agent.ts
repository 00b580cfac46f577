/**
 * The compiled berth-agent, started by hand the way systemd would: `serve --config FILE`, against a
 * fake control plane on loopback, a local git repo and no Docker engine (host runtime).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "@berth/protocol";
import type { Subprocess } from "bun";
import { fakeBin, makeRepo } from "../boot/helpers.ts";
import { fakeControlPlane, snapshotRoutes } from "../control-plane/fake.ts";
import { type Keys, makeKeys, mintToken } from "../terminal/helpers.ts";

export const binWorkspaceId = "wsbin1";

/** A port nobody listens on right now (the agent binds it a moment later). */
async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port ?? 0;
  await probe.stop(true);
  return port;
}

export interface BinaryAgent {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  cp: ReturnType<typeof fakeControlPlane>;
  keys: Keys;
  base: string;
  /** Everything the agent printed so far (its log lines), for failure messages. */
  output(): string;
  tokenUrl(): Promise<string>;
  stop(): Promise<void>;
}

export async function startBinaryAgent(
  binary: string,
  root: string,
  idle: Pick<AgentConfig, "idle_timeout_seconds" | "idle_grace_seconds" | "heartbeat_interval_seconds">,
): Promise<BinaryAgent> {
  const repo = await makeRepo(root);
  // `docker info` must fail so boot picks the host runtime, whatever this machine has installed.
  const bin = join(root, "bin");
  await fakeBin(bin, "docker", "exit 1");
  const home = join(root, "home");
  await mkdir(home);

  const cp = fakeControlPlane({
    bootstrap: (_r, n) =>
      n === 1
        ? Response.json({ callback_token: "cb_web_0123456789abcdefghij", claude_api_key: null })
        : Response.json({ error: { code: "conflict", message: "already redeemed" } }, { status: 409 }),
    ...snapshotRoutes(),
  });
  const keys = await makeKeys();
  const port = await freePort();
  const config: AgentConfig = {
    workspace_id: binWorkspaceId,
    hostname: `${binWorkspaceId}.localhost`,
    control_plane_url: cp.url,
    bootstrap_token: "bt_web_0123456789abcdefghij",
    terminal_token_public_key: keys.publicJwk,
    repo_url: repo,
    branch: null,
    max_lifetime_seconds: 3600,
    listen: { host: "127.0.0.1", port },
    data_dir: join(root, "data"),
    ...idle,
  };
  const configPath = join(root, "agent.json");
  await writeFile(configPath, JSON.stringify(config, null, 2));

  const proc = Bun.spawn([binary, "serve", "--config", configPath], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: home, LANG: "C.UTF-8" },
  });
  let log = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      log += decoder.decode(value, { stream: true });
    }
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);

  const base = `http://${binWorkspaceId}.localhost:${port}/`;
  return {
    proc,
    cp,
    keys,
    base,
    output: () => log,
    async tokenUrl() {
      return `${base}?token=${await mintToken(keys.privateKey, { aud: binWorkspaceId })}`;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        // SIGTERM saves the idle clocks and exits; a hung agent must not hang the suite.
        const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
        if (!exited) proc.kill("SIGKILL");
      }
      await proc.exited;
      await drained;
      await cp.stop();
    },
  };
}
