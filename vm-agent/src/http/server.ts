/**
 * The agent's HTTP server (behind Caddy): the terminal page, the sessions API, the terminal
 * WebSockets, the loopback-only `/status`, Caddy `ask` and `forward-auth` endpoints. Auth: `?token=` (ES256 JWT)
 * is exchanged for an agent cookie; everything else needs that cookie.
 */
import type { AgentConfig } from "@berth/protocol/agent";
import type { ServerWebSocket } from "bun";
import { SessionRegistry } from "../terminal/registry.ts";
import type { Attachment, ClientSink, Session } from "../terminal/session.ts";
import { parseClientMessage, type SessionInfo, wsQuery } from "../terminal/wire.ts";
import { getAsset } from "../web/assets.ts";
import { createCertAsk } from "./ask.ts";
import { createAuth, exchangeToken, isDirectLoopback, isLocalHostname, isOwnOrigin } from "./auth.ts";
import { type ForwardedPorts, forwardAuth } from "./forward-auth.ts";
import { dashboardWorkspaceUrl, unauthenticated } from "./login-page.ts";
import { forbidden, json, notFound } from "./respond.ts";
import { handleSessionsApi, parseSessionPath } from "./sessions-api.ts";

export interface AgentHttpServerOptions {
  /** Uses workspace_id, hostname, listen, terminal_token_public_key. */
  config: AgentConfig;
  /** Login shell run for every session. */
  shell: { command: string[]; cwd: string; env: Record<string, string> };
  /** Every human keystroke/paste frame (not output, pings, connects, resizes, terminal replies). */
  onHumanInput(): void;
  /** JSON served at GET /status. */
  getStatus(): unknown;
  /** Default: true unless the hostname is localhost / *.localhost. */
  secureCookies?: boolean;
  now?: () => number;
  /** WebSocket ping interval; default 25 s (keeps proxies from dropping quiet terminals). */
  pingIntervalMs?: number;
  /** TCP ports something listens on (the ask check); default: the kernel's /proc/net/tcp{,6}. */
  listeningPorts?: () => Promise<Set<number>>;
  /** Public ports and what listens (forward-auth); default: every port private, no listening check. */
  forwardedPorts?: ForwardedPorts;
  /** Scrollback ring per session; default 1 MiB. */
  scrollbackBytes?: number;
}

export interface AgentHttpServer {
  url: string;
  port: number;
  sessions(): Array<SessionInfo>;
  /** Show (text) or clear (null) a banner line in every connected terminal page. */
  broadcastBanner(text: string | null): void;
  stop(): Promise<void>;
}

interface SocketData {
  sessionId: string;
  offset: number | null;
  session?: Session;
  att?: Attachment;
  lastPong: number;
}

export async function startAgentHttpServer(opts: AgentHttpServerOptions): Promise<AgentHttpServer> {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  const hostname = config.hostname.toLowerCase();
  const auth = await createAuth({
    workspaceId: config.workspace_id,
    hostname,
    publicJwk: config.terminal_token_public_key,
    secureCookies: opts.secureCookies ?? !isLocalHostname(hostname),
    now,
  });
  const askCert = createCertAsk({
    hostname,
    ...(opts.listeningPorts ? { listeningPorts: opts.listeningPorts } : {}),
  });
  const dashboardUrl = dashboardWorkspaceUrl(config.control_plane_url, config.workspace_id);
  const registry = new SessionRegistry(opts.shell, opts.scrollbackBytes);
  const sockets = new Set<ServerWebSocket<SocketData>>();
  const pingMs = opts.pingIntervalMs ?? 25_000;

  const server = Bun.serve<SocketData>({
    hostname: config.listen.host,
    port: config.listen.port,
    async fetch(req, srv) {
      const url = new URL(req.url);
      const direct = isDirectLoopback(req, srv.requestIP(req)?.address);

      // Loopback-only endpoints; through Caddy they do not exist.
      if (url.pathname === "/caddy/ask") {
        if (!direct) return notFound();
        return (await askCert(url.searchParams.get("domain")))
          ? new Response("ok")
          : notFound("not this workspace's name");
      }
      if (url.pathname === "/caddy/forward-auth") {
        if (!direct) return notFound();
        return forwardAuth(req, auth, hostname, opts.forwardedPorts);
      }
      if (url.pathname === "/status" && direct) return json(opts.getStatus());

      const exchanged = await exchangeToken(auth, req.method, url, hostname);
      if (exchanged) return exchanged;

      if (auth.cookieUser(req, hostname) === null) return unauthenticated(req, dashboardUrl);
      const origin = req.headers.get("origin");

      const ws = parseSessionPath(url.pathname);
      if (ws && ws.rest === "ws") {
        if (!isOwnOrigin(origin, hostname)) return forbidden("WebSocket origin not allowed");
        if (!registry.get(ws.id)) return notFound("no such session");
        const rawOffset = url.searchParams.get(wsQuery.offset);
        const offset = rawOffset !== null && /^\d{1,15}$/.test(rawOffset) ? Number(rawOffset) : null;
        const data: SocketData = { sessionId: ws.id, offset, lastPong: now() };
        if (srv.upgrade(req, { data })) return undefined;
        return json({ error: { code: "bad_request", message: "expected a WebSocket upgrade" } }, 426);
      }

      // Same-site pages (forwarded ports) could otherwise drive the API with our Lax cookie.
      if (
        req.method !== "GET" &&
        req.method !== "HEAD" &&
        origin !== null &&
        !isOwnOrigin(origin, hostname)
      ) {
        return forbidden("cross-origin request refused");
      }
      if (url.pathname === "/status") return json(opts.getStatus());
      if (url.pathname.startsWith("/api/sessions")) return handleSessionsApi(req, url, registry);
      if (req.method === "GET" || req.method === "HEAD") {
        const asset = getAsset(url.pathname);
        if (asset) {
          return new Response(Bun.file(asset.path), {
            headers: {
              "content-type": asset.type,
              "cache-control": "no-cache",
              "x-content-type-options": "nosniff",
              // The page must not be framed by another site (clickjacking keystrokes into a shell).
              "content-security-policy": "frame-ancestors 'none'",
            },
          });
        }
      }
      return notFound();
    },
    websocket: {
      // Liveness is ours (pings below); Bun's idle timeout would cut quiet terminals.
      idleTimeout: 0,
      sendPings: false,
      perMessageDeflate: false,
      // Flow control keeps each socket's queue near the ack window; this is a safety net.
      backpressureLimit: 8 * 1024 * 1024,
      open(ws) {
        sockets.add(ws);
        const session = registry.get(ws.data.sessionId);
        if (!session) {
          ws.close(4404, "no such session");
          return;
        }
        ws.data.session = session;
        ws.data.att = session.attach(sinkOf(ws), ws.data.offset);
      },
      message(ws, message) {
        const { session, att } = ws.data;
        if (!session || !att) return;
        if (typeof message !== "string") {
          // Binary frames are human input. Never throttled: Ctrl-C must cut through a flood.
          opts.onHumanInput();
          session.write(message);
          return;
        }
        const msg = parseClientMessage(message);
        if (!msg) return;
        if (msg.t === "ack") session.ack(att, msg.offset);
        else if (msg.t === "resize") session.resize(msg.cols, msg.rows);
        else if (msg.t === "reply") session.write(msg.data);
      },
      drain(ws) {
        const { session, att } = ws.data;
        if (session && att) session.drain(att);
      },
      pong(ws) {
        ws.data.lastPong = now();
      },
      close(ws) {
        sockets.delete(ws);
        const { session, att } = ws.data;
        if (session && att) session.detach(att);
      },
    },
  });

  const pinger = setInterval(() => {
    const t = now();
    for (const ws of sockets) {
      // Two missed pongs and a bit: the browser or the path to it is gone.
      if (t - ws.data.lastPong > pingMs * 2.5) ws.close(4408, "ping timeout");
      else ws.ping();
    }
  }, pingMs);

  const port = server.port ?? config.listen.port;
  return {
    url: `http://${config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host}:${port}`,
    port,
    sessions: () => registry.list(),
    broadcastBanner: (text) => registry.setBanner(text),
    async stop() {
      clearInterval(pinger);
      await registry.closeAll();
      await server.stop(true);
    },
  };
}

function sinkOf(ws: ServerWebSocket<SocketData>): ClientSink {
  return {
    sendBinary: (bytes) => ws.sendBinary(bytes),
    sendText: (text) => ws.sendText(text),
    getBufferedAmount: () => ws.getBufferedAmount(),
    close: (code, reason) => ws.close(code, reason),
  };
}
