import { createServer, type IncomingMessage, request, type ServerResponse, STATUS_CODES } from "node:http";
import { request as httpsRequest } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { berthCookieNames } from "@berth/protocol";
import type { CloudflareState } from "../cloudflare/state.ts";
import { type Page, page, rawPage } from "./pages.ts";
import { type Route, route } from "./route.ts";

export interface EdgeOptions {
  /** 0 = ephemeral. */
  port: number;
  host?: string;
  cloudflare: CloudflareState;
  /** The agent's port on every VM (agent config listen.port); default 7681. */
  agentPort?: number;
  /**
   * VMs that boot for real (systemd VMs) answer on their own Caddy: every request goes there, over
   * TLS on this port (443) with the workspace's name as SNI, and Caddy does what the edge does for
   * process VMs (forward-auth, cookie stripping, the /caddy/* refusal). Its certificates come from
   * Caddy's internal CA (WORKSPACE_TLS_ISSUER=internal), so they are not verified here.
   */
  vmCaddyPort?: number;
  /** A VM that does not accept the connection in this time gets a 502; default 5000. */
  connectTimeoutMs?: number;
  /** A VM that accepted but sends no response head in this time gets a 504; default 60000. */
  responseTimeoutMs?: number;
}

export interface Edge {
  /** e.g. http://localhost:8788 — a workspace is at http://<id>.localhost:8788. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 7.6.1) are for one connection, never forwarded.
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
// Set by the edge itself, as Caddy does for a client it does not trust as a proxy.
const OURS = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]);

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

const berthCookies = new Set<string>(berthCookieNames);

/** A Cookie header without Berth's login cookies (as the VM's Caddy strips them), or null if empty. */
export function withoutBerthCookies(header: string): string | null {
  const kept = header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !berthCookies.has(pair.slice(0, Math.max(0, pair.indexOf("="))).trim()));
  return kept.length > 0 ? kept.join("; ") : null;
}

/**
 * Raw header pairs minus hop-by-hop (unless kept) and our own, plus X-Forwarded-*. Host is kept.
 * To a forwarded port's app (`portHost`) Berth's login cookies are never passed on.
 */
function forwardHeaders(req: IncomingMessage, keepHop: boolean, portHost: boolean): string[] {
  const out: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if ((!keepHop && HOP.has(name)) || OURS.has(name)) continue;
    if (portHost && name === "cookie") {
      const kept = withoutBerthCookies(raw[i + 1] as string);
      if (kept !== null) out.push(raw[i] as string, kept);
      continue;
    }
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  out.push("X-Forwarded-For", clientIp(req), "X-Forwarded-Proto", "http");
  if (req.headers.host) out.push("X-Forwarded-Host", req.headers.host);
  return out;
}

function failurePage(r: Extract<Route, { kind: "proxy" }>, err: Error): Page {
  if (err.message === "response timeout")
    return page(
      504,
      `Workspace ${r.host} did not answer`,
      `The VM at ${r.ip}:${r.port} accepted the connection but sent no response.`,
    );
  return page(
    502,
    `Workspace ${r.host} is not answering`,
    `Could not reach ${r.ip}:${r.port} (${err.message}). The VM may still be booting, stopped, or gone.`,
  );
}

function routePage(r: Exclude<Route, { kind: "proxy" }>): Page {
  return r.kind === "not-found"
    ? page(404, `No workspace at ${r.host || "this address"}`, `Nothing is routed here (${r.why}).`)
    : page(502, `Cannot route ${r.host}`, r.why);
}

function sendPage(res: ServerResponse, p: Page): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}

/** Fails a connect that takes longer than `ms` (loopback refuses at once; other targets may not). */
function connectTimer(sock: Socket, ms: number, fail: (err: Error) => void): void {
  if (!sock.connecting) return;
  const t = setTimeout(() => fail(new Error(`no connection within ${ms} ms`)), ms);
  sock.once("connect", () => clearTimeout(t));
  sock.once("close", () => clearTimeout(t));
}

/** The agent's answer to a forward-auth check that was not a 2xx, relayed to the client as is. */
interface Refusal {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function rawRefusal(r: Refusal): Buffer {
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ""}\r\n`;
  for (const [k, v] of Object.entries({ ...r.headers, "content-length": String(r.body.length) })) {
    for (const one of Array.isArray(v) ? v : [v]) head += `${k}: ${one}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}connection: close\r\n\r\n`, "latin1"), r.body]);
}

/**
 * Like Caddy's `forward_auth` on the VM: asks the agent whether this request to a forwarded port
 * may pass, with the client's headers plus X-Forwarded-Host/Uri/Method. No X-Forwarded-For and a
 * 127.0.0.1 source address: the agent answers /caddy/* only to direct loopback requests.
 * Resolves null when allowed, else the agent's answer (401, or a 302 setting its cookie).
 */
function forwardAuth(
  req: IncomingMessage,
  r: Extract<Route, { kind: "proxy" }>,
  agentPort: number,
  timeoutMs: number,
): Promise<Refusal | null> {
  const headers: string[] = [];
  const raw = req.rawHeaders;
  const skip = new Set([...HOP, ...OURS, "content-length", "x-forwarded-uri", "x-forwarded-method"]);
  for (let i = 0; i < raw.length; i += 2) {
    if (!skip.has((raw[i] as string).toLowerCase())) headers.push(raw[i] as string, raw[i + 1] as string);
  }
  headers.push("X-Forwarded-Proto", "http", "X-Forwarded-Host", req.headers.host ?? r.host);
  headers.push("X-Forwarded-Uri", req.url ?? "/", "X-Forwarded-Method", req.method ?? "GET");
  return new Promise((resolve, reject) => {
    const check = request(
      {
        host: r.ip,
        port: agentPort,
        localAddress: "127.0.0.1",
        method: "GET",
        path: "/caddy/forward-auth",
        headers,
        setHost: false,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 502;
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", reject);
        res.on("end", () => {
          if (status >= 200 && status < 300) return resolve(null);
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && !HOP.has(k) && k !== "content-length") out[k] = v;
          }
          resolve({ status, headers: out, body: Buffer.concat(chunks) });
        });
      },
    );
    check.on("timeout", () => check.destroy(new Error("response timeout")));
    check.on("error", reject);
    check.end();
  });
}

export function startEdge(opts: EdgeOptions): Promise<Edge> {
  const agentPort = opts.agentPort ?? 7681;
  const connectMs = opts.connectTimeoutMs ?? 5000;
  const responseMs = opts.responseTimeoutMs ?? 60_000;
  const upgrades = new Set<Duplex>();
  const caddyPort = opts.vmCaddyPort;
  const routeFor = (req: IncomingMessage): Route => {
    const r = route(req.headers.host, req.url ?? "/", opts.cloudflare, agentPort);
    if (caddyPort === undefined || r.kind !== "proxy") return r;
    // /caddy/* is Caddy's to refuse; forwarded ports are Caddy's to authorize.
    return { ...r, port: caddyPort, portHost: false };
  };
  const tls = (r: Extract<Route, { kind: "proxy" }>) => ({ servername: r.host, rejectUnauthorized: false });

  /** Runs the agent's forward-auth for port hosts; false when the client was already answered. */
  const authorized = async (
    req: IncomingMessage,
    r: Extract<Route, { kind: "proxy" }>,
    answer: (p: Page | Refusal) => void,
  ): Promise<boolean> => {
    if (!r.portHost) return true;
    try {
      const refusal = await forwardAuth(req, r, agentPort, responseMs);
      if (refusal) answer(refusal);
      return refusal === null;
    } catch (err) {
      answer(failurePage({ ...r, port: agentPort }, err as Error));
      return false;
    }
  };

  const server = createServer(async (req, res) => {
    const r = routeFor(req);
    if (r.kind !== "proxy") {
      req.resume();
      sendPage(res, routePage(r));
      return;
    }
    const ok = await authorized(req, r, (p) => {
      req.resume();
      if (typeof p.body === "string") sendPage(res, p as Page);
      else {
        res.writeHead(p.status, { ...p.headers, "content-length": String(p.body.length) });
        res.end(p.body);
      }
    });
    if (!ok) return;
    const up = (caddyPort === undefined ? request : httpsRequest)({
      ...(caddyPort === undefined ? {} : tls(r)),
      host: r.ip,
      port: r.port,
      method: req.method,
      path: req.url,
      headers: forwardHeaders(req, false, r.portHost),
      setHost: false,
      agent: false, // no pooled sockets to a VM that may have been frozen or killed since
    });
    let responseTimer: NodeJS.Timeout | undefined;
    let failed = false;
    const fail = (err: Error) => {
      clearTimeout(responseTimer);
      up.destroy();
      if (failed) return;
      failed = true;
      sendPage(res, failurePage(r, err));
    };
    up.on("socket", (sock) => {
      connectTimer(sock, connectMs, fail);
      responseTimer = setTimeout(() => fail(new Error("response timeout")), responseMs);
    });
    up.on("error", (err) => fail(err));
    up.on("response", (ur) => {
      clearTimeout(responseTimer);
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(ur.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, headers);
      ur.pipe(res);
      ur.on("error", () => res.destroy());
    });
    res.on("close", () => {
      clearTimeout(responseTimer);
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });

  server.on("upgrade", async (req: IncomingMessage, client: Duplex, head: Buffer) => {
    upgrades.add(client);
    client.on("close", () => upgrades.delete(client));
    client.on("error", () => client.destroy());
    const r = routeFor(req);
    if (r.kind !== "proxy") {
      client.end(rawPage(routePage(r)));
      return;
    }
    const ok = await authorized(req, r, (p) =>
      client.end(typeof p.body === "string" ? rawPage(p as Page) : rawRefusal(p as Refusal)),
    );
    if (!ok || client.destroyed) return;
    const up =
      caddyPort === undefined
        ? connect({ host: r.ip, port: r.port })
        : tlsConnect({ host: r.ip, port: r.port, ...tls(r) });
    let answered = false; // the VM sent bytes (or we answered for it)
    let piped = false;
    let responseTimer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(responseTimer);
      up.destroy();
      if (answered) client.destroy();
      else client.end(rawPage(failurePage(r, err)));
      answered = true;
    };
    connectTimer(up, connectMs, fail);
    up.on("error", fail);
    up.on(caddyPort === undefined ? "connect" : "secureConnect", () => {
      const h = forwardHeaders(req, true, r.portHost);
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
      up.write(`${text}\r\n`);
      if (head.length) up.write(head);
      responseTimer = setTimeout(() => fail(new Error("response timeout")), responseMs);
      up.once("data", () => {
        clearTimeout(responseTimer);
        answered = true;
      });
      // From here on bytes flow untouched both ways: the VM's 101 (or refusal) and the frames.
      piped = true;
      up.pipe(client);
      client.pipe(up);
    });
    up.on("close", () => {
      clearTimeout(responseTimer);
      if (piped) client.end(); // flushes what the VM sent last (e.g. a close frame)
    });
    client.on("close", () => up.destroy());
  });

  server.keepAliveTimeout = 5000;
  const host = opts.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://localhost:${port}`,
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of upgrades) s.destroy();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
