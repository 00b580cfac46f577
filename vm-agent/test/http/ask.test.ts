/** Caddy's on-demand TLS `ask`: which names may get a certificate, and the listening-port table. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertAsk, maxPortCertNames } from "../../src/http/ask.ts";
import { listeningPorts, parseListeningPorts } from "../../src/http/listening-ports.ts";
import { hostname, startTestAgent, type TestAgent } from "../terminal/helpers.ts";

/** A real TCP listener on a free port of `host` (127.0.0.1 or ::1). */
function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
const close = (s: Server) => new Promise<void>((done) => s.close(() => done()));

describe("listeningPorts() reads the kernel's socket tables", () => {
  const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 10 0
   1: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 10 0
   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 10 0
   3: 0100007F:1389 0100007F:8000 06 00000000:00000000 00:00000000 00000000     0        0 4 1 0 10 0
`;
  const table6 = `  sl  local_address                         remote_address                        st tx_queue
   0: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000
`;

  test("LISTEN sockets only (not established or time-wait ones), IPv4 and IPv6", async () => {
    expect([...parseListeningPorts(table)].sort((a, b) => a - b)).toEqual([3000, 8080]);
    const dir = mkdtempSync(join(tmpdir(), "berth-proc-"));
    try {
      writeFileSync(join(dir, "tcp"), table);
      writeFileSync(join(dir, "tcp6"), table6);
      const ports = await listeningPorts([join(dir, "tcp"), join(dir, "tcp6"), join(dir, "missing")]);
      expect([...ports].sort((a, b) => a - b)).toEqual([3000, 8080, 9000]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("on this machine: a port shows up while a server listens on it, and goes when it closes", async () => {
    const v4 = await listen("127.0.0.1");
    const v6 = await listen("::1").catch(() => null); // a machine without IPv6 has no tcp6 table
    const p4 = portOf(v4);
    const now = await listeningPorts();
    expect(now.has(p4)).toBe(true);
    if (v6) expect(now.has(portOf(v6))).toBe(true);
    await close(v4);
    if (v6) await close(v6);
    expect((await listeningPorts()).has(p4)).toBe(false);
  });
});

describe("the ask decision", () => {
  const open = new Set<number>([3000]);
  const ask = () => createCertAsk({ hostname, listeningPorts: async () => open });

  test("the bare host always; a port name only while something listens on it", async () => {
    const decide = ask();
    expect(await decide(hostname)).toBe(true);
    expect(await decide(`${hostname}.`)).toBe(true);
    expect(await decide(`3000.${hostname}`)).toBe(true);
    expect(await decide(`3001.${hostname}`)).toBe(false);
    open.delete(3000);
    try {
      expect(await decide(`3000.${hostname}`)).toBe(false);
    } finally {
      open.add(3000);
    }
  });

  test("never other names, non-canonical ports or ports out of range", async () => {
    const decide = createCertAsk({ hostname, listeningPorts: async () => new Set([80, 65535, 1]) });
    for (const bad of [
      `65536.${hostname}`,
      `0.${hostname}`,
      `080.${hostname}`,
      `a.${hostname}`,
      `1.2.${hostname}`,
      `x${hostname}`,
      "ws2.localhost",
      "example.com",
      "",
    ]) {
      expect({ bad, ok: await decide(bad) }).toEqual({ bad, ok: false });
    }
    expect(await decide(null)).toBe(false);
    expect(await decide(`65535.${hostname}`)).toBe(true);
  });

  test(`at most ${maxPortCertNames} distinct port names over the agent's life; approved ones stay approvable`, async () => {
    const everything = new Set(Array.from({ length: 100 }, (_, i) => 3000 + i));
    const decide = createCertAsk({ hostname, listeningPorts: async () => everything });
    for (let i = 0; i < maxPortCertNames; i++) expect(await decide(`${3000 + i}.${hostname}`)).toBe(true);
    expect(await decide(`${3000 + maxPortCertNames}.${hostname}`)).toBe(false);
    expect(await decide(`3099.${hostname}`)).toBe(false);
    // A renewal (or a second ask) of a name already approved is still fine, as is the bare host.
    expect(await decide(`3000.${hostname}`)).toBe(true);
    expect(await decide(hostname)).toBe(true);
  });
});

describe("the agent's /caddy/ask endpoint (loopback only)", () => {
  let agent: TestAgent;
  let server: Server;
  beforeAll(async () => {
    agent = await startTestAgent();
    server = await listen("127.0.0.1");
  });
  afterAll(async () => {
    await close(server);
    await agent.server.stop();
  });
  const status = async (domain: string) =>
    (await fetch(`${agent.server.url}/caddy/ask?domain=${encodeURIComponent(domain)}`)).status;

  test("approves the host and a port with a real listener; refuses a port nobody listens on", async () => {
    expect(await status(hostname)).toBe(200);
    expect(await status(`${portOf(server)}.${hostname}`)).toBe(200);
    const closed = await listen("127.0.0.1");
    const closedPort = portOf(closed);
    await close(closed);
    expect(await status(`${closedPort}.${hostname}`)).toBe(404);
    expect(await status("example.com")).toBe(404);
    expect((await fetch(`${agent.server.url}/caddy/ask`)).status).toBe(404);
  });
});
