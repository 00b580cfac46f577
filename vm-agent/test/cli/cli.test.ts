import { afterEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startHookServer } from "../../src/hooks/server.ts";
import type { HookInput } from "../../src/idle/policy.ts";
import { type AgentStatus, formatStatus } from "../../src/status.ts";
import { removeAll, tempDir, testConfig } from "../boot/helpers.ts";

const cli = join(import.meta.dir, "..", "..", "src", "cli.ts");
const dirs: string[] = [];
afterEach(() => removeAll(dirs));

async function run(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const p = Bun.spawn([process.execPath, cli, ...args], {
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...(process.env as Record<string, string>), ...opts.env },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

const sample: AgentStatus = {
  version: "0.1.0",
  pid: 42,
  workspace_id: "ws1",
  hostname: "ws1.localhost",
  phase: "ready",
  runtime: "host",
  error: null,
  now: "2026-01-01T00:00:00.000Z",
  started_at: "2025-12-31T23:00:00.000Z",
  idle: {
    idle_seconds: 1900,
    idle_timeout_seconds: 1800,
    grace_seconds: 300,
    last_activity_at: "2025-12-31T23:28:20.000Z",
    last_human_input_at: null,
    warning: true,
    shutdown_at: "2026-01-01T00:03:20.000Z",
    shutdown_reason: "idle",
    shutdown_decided: false,
    max_lifetime_at: "2026-01-01T23:00:00.000Z",
  },
  claude: { state: "waiting", waiting_reason: "permission_prompt", last_activity_at: null, sessions: 1 },
  sessions: [{ id: "t1", name: "main", createdAt: "2025-12-31T23:01:00.000Z", clients: 2, pid: 99 }],
  shutdown_request: "none",
  heartbeat: { last_at: null, ok: null, error: null },
};

describe("cli", () => {
  test("version and help", async () => {
    expect((await run(["version"])).stdout.trim()).toBe("berth-agent 0.1.0");
    const h = await run(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("berth-agent hook <Event>");
    expect((await run(["bogus"])).code).toBe(2);
  });

  test("hook with no daemon exits 0 fast", async () => {
    const dir = await tempDir("berth-cli-", dirs);
    const t = Date.now();
    const r = await run(["hook", "Stop"], {
      stdin: '{"hook_event_name":"Stop","session_id":"s"}',
      env: { BERTH_AGENT_SOCKET: join(dir, "none.sock") },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(Date.now() - t).toBeLessThan(1500);
  });

  test("hook finds the socket from the config and delivers", async () => {
    const dir = await tempDir("berth-cli-", dirs);
    const configPath = join(dir, "agent.json");
    await writeFile(configPath, JSON.stringify(testConfig(join(dir, "data"))));
    const got: HookInput[] = [];
    const server = await startHookServer(join(dir, "data", "run", "agent.sock"), (h) => got.push(h));
    const r = await run(["hook", "Notification", "--config", configPath], {
      stdin: JSON.stringify({
        hook_event_name: "Notification",
        session_id: "s",
        notification_type: "idle_prompt",
      }),
      env: { BERTH_AGENT_SOCKET: "" },
    });
    await server.stop();
    expect(r.code).toBe(0);
    expect(got).toEqual([{ event: "Notification", sessionId: "s", notificationType: "idle_prompt" }]);
  });

  test("status prints the running agent's state, or says it is not running", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json(sample) });
    try {
      const r = await run(["status", "--url", `http://127.0.0.1:${server.port}`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("claude:     waiting (permission_prompt)");
      expect(r.stdout).toContain("WARNING — in 3m 20s (idle)");
      const j = await run(["status", "--json", "--url", `http://127.0.0.1:${server.port}`]);
      expect(JSON.parse(j.stdout)).toEqual(sample);
    } finally {
      server.stop(true);
    }
    const down = await run(["status", "--url", "http://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("not running");
    const noConfig = await run(["status", "--config", "/nonexistent/agent.json"]);
    expect(noConfig.code).toBe(2);
  });

  test("formatStatus covers the countdown, lifetime and sessions", () => {
    const text = formatStatus(sample);
    expect(text).toContain("idle:       31m 40s of 30m 00s");
    expect(text).toContain("lifetime:   ends in 23h 00m");
    expect(text).toContain("- main (t1) pid 99, 2 client(s)");
  });
});
