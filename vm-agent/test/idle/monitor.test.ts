import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { heartbeatRequestSchema } from "@berth/protocol";
import { createIdleMonitor } from "../../src/idle/monitor.ts";
import { defaultLeaseSettings } from "../../src/idle/policy.ts";
import { heartbeatBody, warningBanner } from "../../src/idle/report.ts";
import { loadIdleState, saveIdleState } from "../../src/idle/store.ts";

const MIN = 60_000;
const settings = {
  idleTimeoutMs: 30 * MIN,
  graceMs: 5 * MIN,
  maxLifetimeMs: 24 * 60 * MIN,
  ...defaultLeaseSettings,
};
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function harness(path: string, start: number, persisted: Awaited<ReturnType<typeof loadIdleState>>) {
  let now = start;
  const events: string[] = [];
  const monitor = createIdleMonitor({
    settings,
    now: () => now,
    persisted,
    persist: (s) => saveIdleState(path, s),
    onWarn: (reason, at) => events.push(`warn:${reason}:${at}`),
    onCancelWarning: () => events.push("cancel"),
    onShutdown: (reason) => events.push(`shutdown:${reason}`),
  });
  return {
    monitor,
    events,
    advance(ms: number) {
      const end = now + ms;
      while (now < end) {
        now = Math.min(end, now + 5000);
        monitor.tick();
      }
    },
    get now() {
      return now;
    },
  };
}

describe("idle monitor", () => {
  test("warns, cancels at once on input, and shuts down exactly once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-idle-"));
    dirs.push(dir);
    const h = harness(join(dir, "idle.json"), 0, null);
    h.advance(30 * MIN);
    expect(h.events).toEqual([`warn:idle:${35 * MIN}`]);
    h.monitor.humanInput(); // no tick needed: the banner goes at once
    expect(h.events).toEqual([`warn:idle:${35 * MIN}`, "cancel"]);
    h.advance(40 * MIN);
    expect(h.events.filter((e) => e.startsWith("shutdown"))).toEqual(["shutdown:idle"]);
    const body = heartbeatBody(h.monitor.report(), 2);
    expect(heartbeatRequestSchema.parse(body)).toEqual(body);
    expect(body.idle.warning).toBe(true);
    expect(body.open_terminals).toBe(2);
  });

  test("restart keeps the clock through the state file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-idle-"));
    dirs.push(dir);
    const path = join(dir, "state", "idle.json");
    const first = harness(path, 0, null);
    first.advance(10 * MIN);
    first.monitor.humanInput();
    first.advance(20 * MIN);
    await first.monitor.flush();
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    // The agent restarts 20 minutes after the last input; restoring is not activity.
    const restored = await loadIdleState(path);
    expect(restored).toEqual({ startedAt: 0, lastActivityAt: 10 * MIN, lastHumanInputAt: 10 * MIN });
    const second = harness(path, 30 * MIN, restored);
    expect(second.monitor.report().idleMs).toBe(20 * MIN);
    second.advance(15 * MIN);
    expect(second.events).toEqual([`warn:idle:${45 * MIN}`, "shutdown:idle"]);
  });

  test("a corrupt state file is ignored", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-idle-"));
    dirs.push(dir);
    await writeFile(join(dir, "idle.json"), "{not json");
    expect(await loadIdleState(join(dir, "idle.json"))).toBeNull();
    expect(await loadIdleState(join(dir, "missing.json"))).toBeNull();
  });

  test("heartbeat reports Claude waiting for permission", () => {
    const h = harness("/nonexistent/never-written", 0, null);
    h.monitor.hook({ event: "UserPromptSubmit", sessionId: "s" });
    h.monitor.hook({ event: "Notification", sessionId: "s", notificationType: "permission_prompt" });
    const body = heartbeatBody(h.monitor.report(), 0);
    expect(body.claude).toEqual({
      state: "waiting",
      waiting_reason: "permission_prompt",
      last_activity_at: new Date(0).toISOString(),
    });
    expect(body.idle.shutdown_at).toBeNull();
  });

  test("banner text names the time and the reason", () => {
    expect(warningBanner("idle", 35 * MIN, 30 * MIN)).toContain("00:35 UTC (in 5 min) unless you type");
    expect(warningBanner("max_lifetime", 60 * MIN, 55 * MIN)).toContain("maximum lifetime");
  });
});
