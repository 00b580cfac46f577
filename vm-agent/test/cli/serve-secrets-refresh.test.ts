/** serve: after a restart of the environment (a new secrets generation in the heartbeat's answer),
 * the agent fetches the secrets again and every new terminal gets them; open ones keep theirs. */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ShellSpec } from "../../src/boot/boot.ts";
import { type StartHttpServer, serve } from "../../src/serve.ts";
import { SessionRegistry } from "../../src/terminal/registry.ts";
import type { Session } from "../../src/terminal/session.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { fakeControlPlane } from "../control-plane/fake.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(20);
  }
}

/** What `printenv NAME` prints in `session` (typed at its prompt, as a person would). */
async function printenv(session: Session, name: string): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  const att = session.attach(
    {
      sendBinary: (b) => {
        out += decoder.decode(b, { stream: true });
        return b.length;
      },
      sendText: () => 0,
      getBufferedAmount: () => 0,
      close: () => {},
    },
    null,
  );
  const marker = `m${Math.random().toString(36).slice(2, 8)}`;
  session.write(`echo "${marker}<$(printenv ${name})>"\n`);
  const pattern = new RegExp(`${marker}<([^>$]*)>`);
  try {
    await until(() => pattern.test(out));
  } finally {
    session.detach(att);
  }
  return pattern.exec(out)?.[1] ?? "";
}

describe("serve: a restart of the environment", () => {
  test("a new generation leads to a refetch; a failed fetch keeps the old secrets and is retried", async () => {
    const root = await tempDir("berth-serve-refresh-", dirs);
    const repo = await makeRepo(root);
    const bin = join(root, "bin");
    await fakeBin(bin, "docker", "exit 1");
    let generation = 0;
    let secretsAnswer: () => Response = () =>
      Response.json({ error: { code: "x", message: "x" } }, { status: 403 });
    const cp = fakeControlPlane({
      bootstrap: () =>
        Response.json({
          callback_token: "cb_0123456789abcdefghijklmnop",
          claude_api_key: null,
          user_secrets: { API_TOKEN: "first-Qx7" },
        }),
      heartbeat: () => Response.json({ state: "ready", public_ports: [], secrets_generation: generation }),
      secrets: () => secretsAnswer(),
    });
    cleanups.push(cp.stop);
    await mkdir(join(root, "etc"));
    const configPath = join(root, "etc", "agent.json");
    const config = testConfig(join(root, "data"), {
      control_plane_url: cp.url,
      repo_url: repo,
      heartbeat_interval_seconds: 1,
    });
    await writeFile(configPath, JSON.stringify(config));
    const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };

    let shell: ShellSpec | null = null;
    const start: StartHttpServer = async (o) => {
      shell = o.shell;
      return {
        url: "http://127.0.0.1:9",
        port: 9,
        sessions: () => [],
        broadcastBanner: () => {},
        stop: async () => {},
      };
    };
    const logs: string[] = [];
    const agent = await serve({ configPath, startHttpServer: start, env, log: (m) => logs.push(m) });
    cleanups.push(() => agent.stop());
    if (!shell) throw new Error("no shell");
    // The agent's terminal server makes each session from this spec, as here.
    const registry = new SessionRegistry(shell);
    cleanups.push(() => registry.closeAll());
    const open = registry.create();
    expect(await printenv(open, "API_TOKEN")).toBe("first-Qx7");
    const beatsSaying = (g: number) =>
      cp.of("heartbeat").filter((r) => (r.body as { secrets_generation?: number }).secrets_generation === g);
    await until(() => beatsSaying(0).length > 0);

    // The owner changes the secret and restarts the environment; the first fetch fails.
    generation = 1;
    await until(() => cp.of("secrets").length >= 1);
    expect(cp.of("secrets")[0]?.auth).toBe("Bearer cb_0123456789abcdefghijklmnop");
    expect(await printenv(registry.create(), "API_TOKEN")).toBe("first-Qx7");
    const secretsFile = join(root, "etc", "secrets.json");
    expect(await readFile(secretsFile, "utf8")).toContain("first-Qx7");

    // The next heartbeat retries; this time the fetch works.
    secretsAnswer = () =>
      Response.json({ user_secrets: { API_TOKEN: "rotated-Pw8", NEW_ONE: "n" }, secrets_generation: 1 });
    await until(() => beatsSaying(1).length > 0);
    expect(cp.of("secrets").length).toBeGreaterThanOrEqual(2);
    const fresh = registry.create();
    expect(await printenv(fresh, "API_TOKEN")).toBe("rotated-Pw8");
    expect(await printenv(fresh, "NEW_ONE")).toBe("n");
    // A terminal open before keeps what it started with.
    expect(await printenv(open, "API_TOKEN")).toBe("first-Qx7");

    // Stored like the bootstrap secrets: 0600, and used again after a restart of the agent.
    const stored = JSON.parse(await readFile(secretsFile, "utf8")) as Record<string, unknown>;
    expect(stored.user_secrets).toEqual({ API_TOKEN: "rotated-Pw8", NEW_ONE: "n" });
    expect(stored.secrets_generation).toBe(1);
    expect(stored.callback_token).toBe("cb_0123456789abcdefghijklmnop");
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    // Once applied, no more fetches while the generation stays.
    const fetches = cp.of("secrets").length;
    const beats = cp.of("heartbeat").length;
    await until(() => cp.of("heartbeat").length >= beats + 2);
    expect(cp.of("secrets").length).toBe(fetches);

    // The timeline says so; no value in a log line or a progress report.
    expect(cp.of("progress").some((r) => JSON.stringify(r.body).includes("new terminals get"))).toBe(true);
    const said = JSON.stringify([logs, cp.of("progress"), cp.of("heartbeat")]);
    expect(said).not.toContain("rotated-Pw8");
    expect(said).not.toContain("first-Qx7");
  }, 60_000);
});
