/** Terminal sessions over the agent's WebSocket, with real PTYs running bash. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  createSession,
  hostname,
  startTestAgent,
  type TermClient as TC,
  TermClient,
  type TestAgent,
} from "./helpers.ts";

let agent: TestAgent;
const open: TC[] = [];

beforeAll(async () => {
  agent = await startTestAgent({ pingIntervalMs: 200 });
});
afterAll(async () => {
  for (const c of open) c.ws.close();
  await agent.server.stop();
});

async function client(sessionId: string, extra: { offset?: number; autoAck?: boolean } = {}): Promise<TC> {
  const c = await TermClient.open({ base: agent.server.url, cookie: agent.cookie, sessionId, ...extra });
  open.push(c);
  return c;
}

describe("terminal sessions", () => {
  test("round trip: typed command runs in the PTY", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const c = await client(id);
    await c.waitForText("PROMPT$ ");
    c.type("echo $((6*7))\r");
    await c.waitForText(/\r42\r\n/);
  });

  test("REST lists, creates with a name, and deletes sessions", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie, { name: "build" });
    const list = (await (
      await fetch(`${agent.server.url}/api/sessions`, { headers: { cookie: agent.cookie } })
    ).json()) as Array<{
      id: string;
      name: string;
      pid: number;
    }>;
    const mine = list.find((s) => s.id === id);
    expect(mine?.name).toBe("build");
    expect(agent.server.sessions().some((s) => s.id === id && s.pid === mine?.pid)).toBe(true);
    const del = await fetch(`${agent.server.url}/api/sessions/${id}`, {
      method: "DELETE",
      headers: { cookie: agent.cookie, origin: `http://${hostname}` },
    });
    expect(del.status).toBe(204);
    expect(agent.server.sessions().some((s) => s.id === id)).toBe(false);
    // The process is gone, not just forgotten.
    expect(() => process.kill(mine?.pid ?? 0, 0)).toThrow();
    const again = await fetch(`${agent.server.url}/api/sessions/${id}`, {
      headers: { cookie: agent.cookie },
    });
    expect(again.status).toBe(404);
  });

  test("reconnect resumes from the byte offset: no loss, no duplication", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const first = await client(id);
    await first.waitForText("PROMPT$ ");
    // ~100 KB of numbered lines, slowed so the disconnect lands mid-stream.
    first.type(
      "for i in $(seq 1 8000); do echo line-$i; [ $((i % 500)) = 0 ] && sleep 0.05; done; echo DONE\r",
    );
    await first.waitForText("line-1500");
    await first.close();
    const resumeAt = first.offset;
    await Bun.sleep(200); // output keeps flowing into the ring while nobody is attached
    const second = await client(id, { offset: resumeAt });
    expect(second.startOffset).toBe(resumeAt);
    await second.waitForText(/DONE\r\n/, 10_000);
    // A third client replays the whole scrollback: it must equal first + second, byte for byte.
    const full = await client(id);
    await full.waitFor(() => full.offset >= second.offset, "full replay");
    const joined = Buffer.concat([first.allBytes(), second.allBytes()]);
    expect(full.startOffset).toBe(0);
    expect(Buffer.from(full.allBytes()).subarray(0, joined.length).equals(joined)).toBe(true);
    const lines = (first.text + second.text).match(/^line-\d+/gm) ?? [];
    expect(lines.length).toBe(8000);
    expect(lines.every((l, i) => l === `line-${i + 1}`)).toBe(true);
  });

  test("two tabs are isolated", async () => {
    const a = await client((await createSession(agent.server.url, agent.cookie)).id);
    const b = await client((await createSession(agent.server.url, agent.cookie)).id);
    await a.waitForText("PROMPT$ ");
    await b.waitForText("PROMPT$ ");
    a.type("X=alpha; echo tab-$X\r");
    await a.waitForText("tab-alpha");
    b.type("echo tab-[$X]\r");
    await b.waitForText("tab-[]");
    await Bun.sleep(100);
    expect(b.text).not.toContain("tab-alpha");
    expect(a.text).not.toContain("tab-[]");
  });

  test("resize reaches the program", async () => {
    const c = await client((await createSession(agent.server.url, agent.cookie, { cols: 80, rows: 24 })).id);
    await c.waitForText("PROMPT$ ");
    c.control({ t: "resize", cols: 133, rows: 41 });
    await Bun.sleep(50);
    c.type("echo size=$(tput cols)x$(tput lines)\r");
    await c.waitForText("size=133x41");
  });

  test("onHumanInput counts input frames only (not output, connect, resize, ping, replies)", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const before = agent.humanInputs.count;
    const c = await client(id);
    await c.waitForText("PROMPT$ ");
    c.control({ t: "resize", cols: 100, rows: 30 });
    c.control({ t: "reply", data: "" });
    await Bun.sleep(600); // several 200 ms pings
    expect(agent.humanInputs.count).toBe(before);
    c.type("e");
    c.type("cho hi\r");
    await c.waitForText(/\rhi\r\n/);
    expect(agent.humanInputs.count).toBe(before + 2);
  });

  test("pings (every 200 ms here) are answered, so a quiet connection stays open", async () => {
    const c = await client((await createSession(agent.server.url, agent.cookie)).id);
    await Bun.sleep(1200); // the agent closes sockets that miss pongs for 2.5 intervals
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  test("banner reaches connected and later clients, and clears", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const c = await client(id);
    agent.server.broadcastBanner("Idle: stopping in 2 minutes");
    await c.waitFor(() => c.messages.some((m) => m.t === "banner" && m.text?.startsWith("Idle")), "banner");
    const later = await client(id);
    const hello = later.messages.find((m) => m.t === "hello");
    expect(hello?.t === "hello" && hello.banner).toBe("Idle: stopping in 2 minutes");
    agent.server.broadcastBanner(null);
    await c.waitFor(() => c.messages.some((m) => m.t === "banner" && m.text === null), "banner cleared");
  });

  test("exit of the shell tells clients and removes the session", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const c = await client(id);
    await c.waitForText("PROMPT$ ");
    c.type("exit 3\r");
    const ev = await c.closed;
    expect(ev.code).toBe(1000);
    expect(c.messages.some((m) => m.t === "exit" && m.code === 3)).toBe(true);
    expect(agent.server.sessions().some((s) => s.id === id)).toBe(false);
  });

  test("serves the embedded page, its bundled code with xterm.js, and the styles", async () => {
    const get = (p: string) => fetch(`${agent.server.url}${p}`, { headers: { cookie: agent.cookie } });
    const page = await get("/");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("/assets/page.js");
    const bundle = await get("/assets/page.js");
    expect(bundle.headers.get("content-type")).toContain("javascript");
    const js = await bundle.text();
    expect(js.length).toBeGreaterThan(100_000); // xterm.js is inside
    expect(js).not.toMatch(/from\s*["']@xterm/); // bundled, not left for the browser to resolve
    expect((await (await get("/assets/xterm.css")).text()).length).toBeGreaterThan(1000);
    expect((await get("/assets/nope.js")).status).toBe(404);
  });
});
