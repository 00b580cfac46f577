/**
 * Runs a real Caddy (Debian's caddy) with the local Caddyfile in front of an agent: own HOME/XDG
 * dirs, admin API on an ephemeral loopback port. Shared by tests and the benchmark.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderLocalCaddyfile } from "@berth/cloud-init/caddyfile";

export interface RunningCaddy {
  port: number;
  adminPort: number;
  /** Base URL through Caddy for the workspace host, e.g. http://ws1.localhost:PORT */
  url: string;
  stop(): Promise<void>;
}

/** A currently free loopback TCP port (tiny race until the caller binds it; fine for tests). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function startCaddy(opts: { hostname: string; agentPort: number }): Promise<RunningCaddy> {
  const dir = mkdtempSync(join(tmpdir(), "berth-caddy-"));
  const port = freePort();
  const adminPort = freePort();
  const file = join(dir, "Caddyfile");
  writeFileSync(file, renderLocalCaddyfile({ ...opts, listenPort: port, adminPort }));
  const proc = Bun.spawn(["caddy", "run", "--config", file, "--adapter", "caddyfile"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
    },
    stdout: "ignore",
    // A file, not a pipe: an undrained pipe would eventually block Caddy's logging.
    stderr: Bun.file(join(dir, "caddy.log")),
  });
  const stop = async () => {
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/config/`);
      if (res.ok) {
        // The admin API answers once the config is loaded; make sure the listener is up too.
        await fetch(`http://127.0.0.1:${port}/`);
        break;
      }
    } catch {
      // not up yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      const err = await Bun.file(join(dir, "caddy.log"))
        .text()
        .catch(() => "");
      await stop();
      throw new Error(`caddy did not start: ${err.slice(-2000)}`);
    }
    await Bun.sleep(50);
  }
  return { port, adminPort, url: `http://${opts.hostname}:${port}`, stop };
}
