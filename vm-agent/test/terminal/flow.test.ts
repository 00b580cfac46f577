/**
 * Flow control under a flood: a client that stops consuming must stop the program itself (it
 * blocks in write()), in cooked and in raw mode alike, with no bytes skipped and the agent's
 * memory flat; input still gets through. Every wait is for a state (the producer blocked in
 * write, a process gone, a marker seen), never for a time window.
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
/**
 * Everything that may sit between the program and a client that stopped acking: the ack window
 * (256 KiB), the scrollback ring (1 MiB), the pipe from the PTY reader (64 KiB) plus one read
 * in flight, and the kernel's PTY buffers (well under 1 MiB). Generous; a program that is not
 * stopped writes hundreds of MB in the time this test takes.
 */
const pipelineBound = 4 * MB;
/** Linux write(2) syscall numbers, as /proc/<pid>/syscall reports them. */
const writeSyscalls = new Set(process.arch === "arm64" ? ["64"] : ["1"]);

interface Producer {
  pid: number;
  /** Bytes it wrote so far. */
  written(): number;
  /** Whether it is asleep inside write(): blocked because nobody reads its output. */
  blockedInWrite(): boolean;
  gone(): boolean;
}

/** The child of `shellPid` named `name`, observed through /proc. */
function findProducer(shellPid: number, name: string): Producer | null {
  const children = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, "utf8").trim().split(/\s+/);
  for (const pid of children) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== name) continue;
      const read = (f: string) => readFileSync(`/proc/${pid}/${f}`, "utf8");
      return {
        pid: Number(pid),
        written: () => Number(/wchar: (\d+)/.exec(read("io"))?.[1]),
        blockedInWrite: () => {
          const state = read("stat").slice(
            read("stat").lastIndexOf(")") + 2,
            read("stat").lastIndexOf(")") + 3,
          );
          return state === "S" && writeSyscalls.has(read("syscall").split(" ")[0] ?? "");
        },
        gone: () => {
          try {
            return read("stat")
              .slice(read("stat").lastIndexOf(")") + 2)
              .startsWith("Z");
          } catch {
            return true;
          }
        },
      };
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

async function slowClient(): Promise<{ id: string; c: TermClient }> {
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
  return { id, c };
}

/**
 * A condition that holds once the producer was seen asleep in write() with the same byte count
 * several polls in a row: stopped, not just between two bursts (a producer whose output is still
 * read never gets there: it writes tens of MB a second).
 */
function stablyBlocked(p: Producer): () => boolean {
  let last = -1;
  let seen = 0;
  return () => {
    const written = p.written();
    seen = p.blockedInWrite() && written === last ? seen + 1 : 0;
    last = written;
    return seen >= 5;
  };
}

async function blockedProducer(c: TermClient, id: string, name: string): Promise<Producer> {
  let found: Producer | null = null;
  await c.waitFor(() => {
    found = found ?? findProducer(shellPid(id), name);
    return found !== null;
  }, `${name} to start`);
  const producer = found as unknown as Producer;
  await c.waitFor(stablyBlocked(producer), `${name} to stay blocked in write()`, 20_000);
  return producer;
}

for (const mode of ["cooked", "raw"] as const) {
  test(`a client that stops reading stops a ${mode}-mode flood: the program blocks, nothing is skipped`, async () => {
    const { id, c } = await slowClient();
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    // Raw mode without IXON: XOFF could not stop this one; only not reading can.
    const setup = mode === "raw" ? "stty raw -echo -ixon; " : "";
    c.type(
      `${setup}yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 200000000; stty sane; echo FLOOD-END\r`,
    );

    const head = await blockedProducer(c, id, "head");
    expect(head.written()).toBeLessThan(c.offset + pipelineBound);

    // Consume 1 MiB more: the producer moves on by about that much and blocks again.
    const acked = c.offset;
    const consume = setInterval(() => c.ack(Math.min(c.offset, acked + MB)), 5);
    try {
      await c.waitFor(() => c.offset >= acked + MB, "1 MiB more output");
    } finally {
      clearInterval(consume);
    }
    c.ack(acked + MB);
    await c.waitFor(stablyBlocked(head), "block again");
    expect(head.written()).toBeLessThan(c.offset + pipelineBound);
    expect(head.written()).toBeGreaterThan(acked + MB - pipelineBound);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MB);

    // Input is never throttled: Ctrl-C gets through (in raw mode it is a plain byte, so signal it).
    if (mode === "cooked") c.type("\x03");
    else process.kill(head.pid, "SIGINT");
    await c.waitFor(() => head.gone(), "head to exit");
    const drain = setInterval(() => c.ack(), 5);
    try {
      await c.waitForText("FLOOD-END\r\n", 20_000);
    } finally {
      clearInterval(drain);
    }
    expect(c.messages.filter((m) => m.t === "skip")).toEqual([]);
    await c.close();
  }, 60_000);
}

test("in raw mode, a key reaches a program whose output is stopped", async () => {
  const { c } = await slowClient();
  // A raw-mode program that floods and quits on a key: the key must get through while blocked.
  c.type("stty raw -echo -ixon; yes | head -c 2000000000 & read -rn1 k; kill %1; stty sane; echo GOT-$k\r");
  await c.waitFor(() => c.received > 100_000, "the flood");
  c.type("q");
  const drain = setInterval(() => c.ack(), 5);
  try {
    await c.waitForText("GOT-q", 30_000);
  } finally {
    clearInterval(drain);
  }
  expect(c.messages.filter((m) => m.t === "skip")).toEqual([]);
  await c.close();
}, 60_000);
