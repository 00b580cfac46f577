/**
 * Flow control under a flood: a slow client must throttle the producer (kernel-level XOFF), keep
 * the agent's memory flat, and Ctrl-C must still stop the flood at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createSession, startTestAgent, TermClient, type TestAgent } from "./helpers.ts";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.server.stop();
});

const MB = 1024 * 1024;

/** Bytes written so far by the child of `shellPid` named `name` (from /proc/<pid>/io). */
function childWritten(shellPid: number, name: string): number | null {
  const children = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, "utf8").trim().split(/\s+/);
  for (const pid of children) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== name) continue;
      const io = readFileSync(`/proc/${pid}/io`, "utf8");
      return Number(/wchar: (\d+)/.exec(io)?.[1]);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}

function shellPid(id: string): number {
  const s = agent.server.sessions().find((x) => x.id === id);
  if (!s) throw new Error("session gone");
  return s.pid;
}

test("a slow client throttles a 200 MB flood; memory stays flat; Ctrl-C stops it promptly", async () => {
  const { id } = await createSession(agent.server.url, agent.cookie);
  const c = await TermClient.open({
    base: agent.server.url,
    cookie: agent.cookie,
    sessionId: id,
    autoAck: false,
  });
  c.ack();
  await c.waitForText("PROMPT$ ");
  c.ack();
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  c.type("yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 200000000\r");

  // Consume slowly: 64 KiB per 100 ms (~640 KB/s) for 2 s.
  let peakRss = 0;
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(100);
    c.ack(Math.min(c.offset, c.startOffset + (i + 1) * 64 * 1024 + 4096));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const written = childWritten(shellPid(id), "head");
  expect(written).not.toBeNull();
  // The producer is blocked: it wrote about what the client consumed plus the buffers in between
  // (scrollback ring 1 MiB, ack window, kernel), not the 200 MB it would manage in 2 s.
  expect(written ?? 0).toBeLessThan(6 * MB);
  expect(c.received).toBeLessThan(4 * MB);
  expect(peakRss - rssBefore).toBeLessThan(64 * MB);

  // Ctrl-C goes through at once even though output is stopped and the client is behind.
  const t0 = performance.now();
  const before = c.text.length;
  c.type("\x03");
  await c.waitFor(() => childWritten(shellPid(id), "head") === null, "head to exit", 2000);
  const killedMs = performance.now() - t0;
  // Now catch up: the prompt follows the (bounded) backlog.
  const drain = setInterval(() => c.ack(), 5);
  try {
    await c.waitFor(() => c.text.indexOf("PROMPT$ ", before) >= 0, "prompt after ^C", 5000);
  } finally {
    clearInterval(drain);
  }
  const promptMs = performance.now() - t0;
  expect(killedMs).toBeLessThan(1000);
  expect(promptMs).toBeLessThan(3000);
  await c.close();
}, 20_000);

test("without IXON (raw-mode programs) a lagging client skips ahead; memory stays bounded", async () => {
  const { id } = await createSession(agent.server.url, agent.cookie);
  const c = await TermClient.open({
    base: agent.server.url,
    cookie: agent.cookie,
    sessionId: id,
    autoAck: false,
  });
  c.ack();
  await c.waitForText("PROMPT$ ");
  c.type("stty -ixon; yes 0123456789 | head -c 8000000; echo; echo FLOOD-DONE\r");
  c.ack();
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  // Do not ack for a while: the agent cannot pause, so the ring overwrites this client's backlog.
  await Bun.sleep(1500);
  const rssDuring = process.memoryUsage().rss;
  const drain = setInterval(() => c.ack(), 5);
  try {
    await c.waitForText("FLOOD-DONE\r\n", 10_000);
  } finally {
    clearInterval(drain);
  }
  expect(c.messages.some((m) => m.t === "skip")).toBe(true);
  expect(c.received).toBeLessThan(8_000_000);
  expect(rssDuring - rssBefore).toBeLessThan(64 * MB);
  await c.close();
}, 20_000);
