/** Shared test fixtures: ES256 keys and tokens, an agent on an ephemeral port, a terminal client. */
import type { AgentConfig } from "@berth/protocol";
import { terminalCookieName } from "@berth/protocol";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  type AgentHttpServer,
  type AgentHttpServerOptions,
  startAgentHttpServer,
} from "../../src/http/server.ts";
import {
  encodeMessage,
  parseServerMessage,
  type ServerMessage,
  sessionWsPath,
} from "../../src/terminal/wire.ts";

export const workspaceId = "ws_test1";
export const hostname = "ws1.localhost";

export interface Keys {
  publicJwk: Record<string, unknown>;
  privateKey: CryptoKey;
}

export async function makeKeys(): Promise<Keys> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { publicJwk: (await exportJWK(publicKey)) as Record<string, unknown>, privateKey };
}

export async function mintToken(
  key: CryptoKey,
  opts: {
    aud?: string;
    iss?: string;
    sub?: string;
    expiresIn?: number;
    now?: number;
    /** Default: a fresh one, as the control plane mints; null leaves it out. */
    jti?: string | null;
  } = {},
): Promise<string> {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer(opts.iss ?? "berth")
    .setAudience(opts.aud ?? workspaceId)
    .setSubject(opts.sub ?? "user_1")
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresIn ?? 60));
  if (opts.jti !== null) jwt.setJti(opts.jti ?? crypto.randomUUID());
  return jwt.sign(key);
}

export function testConfig(keys: Keys, port = 0): AgentConfig {
  return {
    workspace_id: workspaceId,
    hostname,
    control_plane_url: "http://127.0.0.1:9/",
    bootstrap_token: "x".repeat(32),
    terminal_token_public_key: keys.publicJwk,
    repo_url: "https://example.com/repo.git",
    branch: null,
    idle_timeout_seconds: 1800,
    idle_grace_seconds: 120,
    max_lifetime_seconds: 86400,
    heartbeat_interval_seconds: 60,
    listen: { host: "127.0.0.1", port },
    data_dir: "/tmp",
  };
}

/** A plain bash with a recognisable prompt and no user rc files. */
export const testShell = {
  command: ["bash", "--noprofile", "--norc", "-i"],
  cwd: "/tmp",
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", PS1: "PROMPT$ ", LANG: "C.UTF-8" },
};

export interface TestAgent {
  server: AgentHttpServer;
  keys: Keys;
  humanInputs: { count: number };
  /** The `Cookie` header value after a successful token exchange. */
  cookie: string;
}

export async function startTestAgent(extra: Partial<AgentHttpServerOptions> = {}): Promise<TestAgent> {
  const keys = await makeKeys();
  const humanInputs = { count: 0 };
  const server = await startAgentHttpServer({
    config: testConfig(keys),
    shell: testShell,
    onHumanInput: () => humanInputs.count++,
    getStatus: () => ({ state: "ok", summary: "test agent" }),
    ...extra,
  });
  const cookie = await login(server.url, await mintToken(keys.privateKey));
  return { server, keys, humanInputs, cookie };
}

/** Exchanges a token for the agent's cookie, returning the Cookie header value. */
export async function login(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/?token=${token}`, { redirect: "manual" });
  const setCookie = res.headers.get("set-cookie");
  if (res.status !== 302 || !setCookie) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return setCookie.split(";")[0] ?? "";
}

export function cookieValue(cookie: string): string {
  return cookie.slice(terminalCookieName.length + 1);
}

export interface ClientOptions {
  base: string;
  cookie: string;
  sessionId: string;
  offset?: number;
  origin?: string;
  host?: string;
  /** false: the test acks by hand (a slow client). */
  autoAck?: boolean;
}

/** A terminal client speaking the wire protocol, collecting output as bytes and text. */
export class TermClient {
  ws: WebSocket;
  bytes: Uint8Array[] = [];
  messages: ServerMessage[] = [];
  /** Stream offset of the first byte in `bytes`, and of the next expected byte. */
  startOffset = -1;
  offset = -1;
  received = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseEvent>;
  #autoAck: boolean;
  #decoder = new TextDecoder();
  text = "";

  constructor(opts: ClientOptions) {
    this.#autoAck = opts.autoAck ?? true;
    const url = new URL(sessionWsPath(opts.sessionId), opts.base.replace(/^http/, "ws"));
    if (opts.offset !== undefined) url.searchParams.set("offset", String(opts.offset));
    const host = opts.host ?? hostname;
    this.ws = new WebSocket(url.href, {
      headers: {
        cookie: opts.cookie,
        origin: opts.origin ?? `http://${host}:${url.port}`,
        host: `${host}:${url.port}`,
      },
    } as unknown as string[]);
    this.ws.binaryType = "arraybuffer";
    this.closed = new Promise((resolve) => this.ws.addEventListener("close", resolve));
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error("websocket error")));
    });
    this.ws.addEventListener("message", (ev) => {
      if (ev.data instanceof ArrayBuffer) {
        const b = new Uint8Array(ev.data);
        this.bytes.push(b);
        this.received += b.length;
        this.offset += b.length;
        this.text += this.#decoder.decode(b, { stream: true });
        if (this.#autoAck) this.ack();
        return;
      }
      const msg = parseServerMessage(String(ev.data));
      if (!msg) return;
      this.messages.push(msg);
      if (msg.t === "hello") this.startOffset = this.offset = msg.offset;
      if (msg.t === "skip") this.offset = msg.to;
    });
  }

  static async open(opts: ClientOptions): Promise<TermClient> {
    const c = new TermClient(opts);
    await c.opened;
    await c.waitFor(() => c.startOffset >= 0, "hello");
    return c;
  }

  ack(offset = this.offset): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage({ t: "ack", offset }));
  }

  type(text: string): void {
    this.ws.send(new TextEncoder().encode(text));
  }

  control(msg: Parameters<typeof encodeMessage>[0]): void {
    this.ws.send(encodeMessage(msg));
  }

  allBytes(): Uint8Array {
    return Buffer.concat(this.bytes);
  }

  async waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; output tail: ${JSON.stringify(this.text.slice(-300))}`,
        );
      await Bun.sleep(10);
    }
  }

  waitForText(needle: string | RegExp, timeoutMs = 5000): Promise<void> {
    const test = () => (typeof needle === "string" ? this.text.includes(needle) : needle.test(this.text));
    return this.waitFor(test, String(needle), timeoutMs);
  }

  close(): Promise<CloseEvent> {
    this.ws.close();
    return this.closed;
  }
}

/** Creates a session through the REST API. */
export async function createSession(
  base: string,
  cookie: string,
  body: object = {},
): Promise<{ id: string }> {
  const res = await fetch(`${base}/api/sessions`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", host: hostname },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}
