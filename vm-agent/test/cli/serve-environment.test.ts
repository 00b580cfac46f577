/** serve: user secrets reach the shell's environment; listening ports go out in heartbeats and the
 * reply's public ports reach forward-auth. */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ListeningPort } from "@berth/protocol";
import type { ShellSpec } from "../../src/boot/boot.ts";
import type { ForwardedPorts } from "../../src/http/forward-auth.ts";
import type { PortDetector } from "../../src/ports/detect.ts";
import { type StartHttpServer, serve } from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { fakeControlPlane } from "../control-plane/fake.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(20);
  }
}

/** A detector whose listening ports the test sets. */
function scriptedDetector() {
  let ports: ListeningPort[] = [];
  let last: ListeningPort[] = [];
  const detector: PortDetector = {
    scan: async () => {
      last = ports;
      return last;
    },
    current: () => last,
    isListening: async (p) => ports.some((x) => x.port === p),
  };
  return {
    detector,
    set(next: number[]) {
      ports = next.map((port) => ({ port, process: "node", first_seen_at: new Date(0).toISOString() }));
    },
  };
}

describe("serve: secrets and ports", () => {
  test("secrets in the shell's environment; ports in heartbeats at once; public ports from the reply", async () => {
    const root = await tempDir("berth-serve-env-", dirs);
    const repo = await makeRepo(root);
    const bin = join(root, "bin");
    await fakeBin(bin, "docker", "exit 1");
    let publicPorts: number[] = [];
    const cp = fakeControlPlane({
      bootstrap: () =>
        Response.json({
          callback_token: "cb_0123456789abcdefghijklmnop",
          claude_api_key: null,
          user_secrets: { DATABASE_URL: "postgres://db/x" },
        }),
      heartbeat: () => Response.json({ state: "ready", public_ports: publicPorts }),
    });
    cleanups.push(cp.stop);
    await mkdir(join(root, "etc"));
    const configPath = join(root, "etc", "agent.json");
    // A 60-second heartbeat: anything sooner is the ports' doing.
    await writeFile(
      configPath,
      JSON.stringify(testConfig(join(root, "data"), { control_plane_url: cp.url, repo_url: repo })),
    );
    const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };

    let shell: ShellSpec | null = null;
    let forwarded: ForwardedPorts | undefined;
    const start: StartHttpServer = async (o) => {
      shell = o.shell;
      forwarded = o.forwardedPorts;
      return {
        url: "http://127.0.0.1:9",
        port: 9,
        sessions: () => [],
        broadcastBanner: () => {},
        stop: async () => {},
      };
    };
    const ports = scriptedDetector();
    const agent = await serve({
      configPath,
      startHttpServer: start,
      env,
      portDetector: ports.detector,
      portScanMs: 50,
      log: () => {},
    });
    cleanups.push(() => agent.stop());

    expect((shell as ShellSpec | null)?.env.DATABASE_URL).toBe("postgres://db/x");
    await until(() => cp.of("heartbeat").length >= 1);
    const portsOf = (i: number) =>
      (cp.of("heartbeat").at(i)?.body as { ports?: unknown[] } | undefined)?.ports;
    expect(portsOf(0)).toEqual([]);

    // A server starts: a heartbeat carries it within the scan interval, not 60 s later.
    publicPorts = [3000];
    ports.set([3000]);
    await until(() =>
      cp.of("heartbeat").some((r) => (r.body as { ports: ListeningPort[] }).ports.length === 1),
    );
    const beat = cp.of("heartbeat").at(-1)?.body as { ports: ListeningPort[] };
    expect(beat.ports).toEqual([{ port: 3000, process: "node", first_seen_at: new Date(0).toISOString() }]);
    await until(() => forwarded?.isPublic(3000) === true);
    expect(forwarded?.isPublic(4000)).toBe(false);
    expect(await forwarded?.isListening?.(3000)).toBe(true);

    // It stops: reported gone at once.
    const before = cp.of("heartbeat").length;
    ports.set([]);
    await until(() => cp.of("heartbeat").length > before);
    expect(portsOf(-1)).toEqual([]);
  });
});
