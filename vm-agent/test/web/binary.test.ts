/**
 * Issue 4's "done when", end to end: the COMPILED binary, started by hand with a config file,
 * serves a terminal that Chromium can type in, and left alone it goes to sleep: a verified
 * snapshot, then exactly one `shutdown` callback with reason "idle" naming it (warning banner and
 * warning heartbeats first).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HeartbeatRequest } from "@berth/protocol";
import type { Browser, Page } from "playwright-core";
import { build } from "../../scripts/build.ts";
import type { Recorded } from "../control-plane/fake.ts";
import { type BinaryAgent, startBinaryAgent } from "./binary-agent.ts";
import {
  bannersShown,
  collectErrors,
  launchBrowser,
  recordBanners,
  typeLine,
  waitForRow,
  waitForScreen,
} from "./browser.ts";

// The binary's idle loop ticks every 5 s (not configurable from the CLI): timeouts are sized to it.
const tickMs = 5000;
// The warning is shown on a tick inside the grace window [idle, idle + grace): a tick that first
// comes after idle + grace shuts down at once, unwarned (src/idle/policy.ts evaluate). A grace
// longer than a tick plus a loaded machine's timer lateness always lets one tick land inside.
const idleSeconds = 3;
const graceSeconds = 8;

let root: string;
let agent: BinaryAgent | undefined;
let browser: Browser | undefined;
let page: Page;
let errors: string[];
let typedAt = 0;

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; agent log:\n${agent?.output()}`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "berth-binary-"));
  // Into a temp dir, not dist/: other work may be using the checked-out dist/ binary.
  const [[built], launched] = await Promise.all([build(["x64"], join(root, "dist")), launchBrowser()]);
  browser = launched;
  if (!built) throw new Error("build produced no binary");
  agent = await startBinaryAgent(built.path, root, {
    idle_timeout_seconds: idleSeconds,
    idle_grace_seconds: graceSeconds,
    heartbeat_interval_seconds: 1,
  });
  page = await (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage();
  errors = collectErrors(page);
  await recordBanners(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await rm(root, { recursive: true, force: true });
});

const bodies = (rs: Recorded[]) => rs.map((r) => r.body);

describe.skipIf(process.arch !== "x64")("compiled berth-agent serve --config", () => {
  test("boots on the host runtime and reports ready", async () => {
    const a = agent as BinaryAgent;
    await until(() => a.cp.of("ready").length > 0, "the ready callback", 20_000);
    expect(bodies(a.cp.of("ready"))).toEqual([{ runtime: "host" }]);
    expect(a.cp.of("bootstrap")).toHaveLength(1);
    expect(a.cp.of("ready")[0]?.auth).toBe("Bearer cb_web_0123456789abcdefghij");
    // Progress lines go out on their own chain, not ahead of ready: wait for the line itself.
    const messages = () => a.cp.of("progress").map((r) => (r.body as { message: string }).message);
    const hostLine = "no Docker engine: running the shell on the host";
    await until(() => messages().includes(hostLine), "the host-runtime progress line", 10_000);
    expect(messages()).toContain(hostLine);
    expect(a.proc.exitCode).toBeNull();
    // Once up, the pages booting touched go back to the kernel (src/sys/resident.ts); the terminal
    // below then works from a trimmed process.
    const released = /memory: released the binary's idle pages \(RSS ([\d.]+) -> ([\d.]+) MB\)/;
    await until(() => released.test(a.output()), "the release of the binary's pages", 10_000);
    const [, before, after] = released.exec(a.output()) ?? [];
    expect(Number(after)).toBeLessThan(Number(before));
  }, 25_000);

  test("serves a terminal Chromium can type in", async () => {
    const a = agent as BinaryAgent;
    const res = await page.goto(await a.tokenUrl());
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(a.base);
    // bash -l with whatever prompt the system profile gives: wait for anything on screen.
    await waitForScreen(page, (rows) => rows.some((r) => r.trim() !== ""), "the shell's prompt", 10_000);
    typedAt = Date.now();
    await typeLine(page, "echo hello-from-binary");
    await waitForRow(page, "hello-from-binary");
    // The shell runs in the clone of the repo.
    await typeLine(page, "basename $(pwd); git log --format=%s -1");
    await waitForRow(page, "workspace");
    await waitForRow(page, "init");
    expect(errors).toEqual([]);
  }, 20_000);

  test("left idle: warning banner and heartbeats, a sleep snapshot, then exactly one idle shutdown", async () => {
    const a = agent as BinaryAgent;
    // Idle 3 s after the last keystroke, warned at the next tick, shut down at the first tick after
    // the grace.
    // The page records every banner it shows (recordBanners): on a loaded machine the warning can
    // give way to the sleep banners before a poll would read it, so the test reads the sequence.
    const saved = "your work is saved";
    await page.waitForFunction(
      (text) =>
        (window as unknown as { berthBanners?: string[] }).berthBanners?.some((b) => b.includes(text)),
      saved,
      { timeout: (idleSeconds + graceSeconds) * 1000 + 4 * tickMs },
    );
    const shown = await bannersShown(page);
    expect(shown).toEqual(expect.arrayContaining([expect.stringContaining("unless you type something")]));
    const warning = shown.findIndex((b) => b.includes("unless you type something"));
    expect(shown[warning]).toContain("is going to sleep at");
    const sleeping = shown.findIndex((b) => b.includes("is going to sleep (idle)"));
    expect(sleeping).toBeGreaterThan(warning);
    expect(shown.findIndex((b) => b.includes(saved))).toBeGreaterThan(sleeping);
    // The page ends on the saved banner, still showing.
    expect(await page.locator("#banner").textContent()).toContain(saved);

    await until(() => a.cp.of("shutdown").length > 0, "the shutdown callback", 10_000 + 2 * tickMs);
    const [shutdown] = a.cp.of("shutdown");
    expect(shutdown?.body).toEqual({ reason: "idle", snapshot_id: "snap1" });
    expect(bodies(a.cp.of("snapshots"))).toEqual([{ kind: "sleep" }]);
    expect(shutdown?.auth).toBe("Bearer cb_web_0123456789abcdefghij");
    // Typing counted as activity: nothing can be shut down before idle + grace after it.
    expect((shutdown?.at ?? 0) - typedAt).toBeGreaterThanOrEqual((idleSeconds + graceSeconds) * 1000);

    // Heartbeats carried the warning and its deadline before the shutdown went out.
    const warned = a.cp
      .of("heartbeat")
      .filter((r) => r.at <= (shutdown?.at ?? 0))
      .map((r) => r.body as HeartbeatRequest)
      .filter((h) => h.idle.warning);
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0]?.idle.shutdown_at).not.toBeNull();
    expect(warned[0]?.open_terminals).toBe(1);

    // Another idle tick passes: the decision is not sent again.
    await Bun.sleep(tickMs + 1000);
    expect(bodies(a.cp.of("shutdown"))).toEqual([{ reason: "idle", snapshot_id: "snap1" }]);
    expect(a.proc.exitCode).toBeNull();
    expect(errors).toEqual([]);
  }, 60_000);
});
