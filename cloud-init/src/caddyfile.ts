/**
 * Caddyfiles for the VM's edge. Caddy terminates TLS for `<hostname>` and `*.<hostname>` with
 * on-demand certificates (approved by the agent's `ask` endpoint), proxies the bare hostname to the
 * agent, and `<port>.<hostname>` to 127.0.0.1:<port> (forwarded dev servers) once the agent's
 * `forward-auth` endpoint approves the request. cloud-init imports
 * `renderCaddyfile`; tests and local mode use `renderLocalCaddyfile` (plain http, no ACME).
 */

import { berthCookieNames } from "@berth/protocol";

export type CaddyIssuer = "acme" | "zerossl" | "internal";

export interface CaddyfileOptions {
  /** The workspace's public hostname, e.g. `ws123.berth.example.com`. */
  hostname: string;
  /** Loopback port of the agent's HTTP server. */
  agentPort: number;
  /** ACME account email (ZeroSSL needs one). */
  email?: string;
  /**
   * "acme": Let's Encrypt, falling back to ZeroSSL (Caddy's own default policy, spelled out);
   * "zerossl": ZeroSSL only (e.g. when a fleet exhausts Let's Encrypt's 50/week/domain);
   * "internal": Caddy's local CA (staging without public DNS).
   */
  issuer: CaddyIssuer;
  /** The agent's ask endpoint, e.g. `http://127.0.0.1:7681/caddy/ask`. */
  askUrl: string;
}

export interface LocalCaddyfileOptions {
  hostname: string;
  agentPort: number;
  /** Port Caddy listens on (plain http on 127.0.0.1). */
  listenPort: number;
  /** Caddy's admin API port on 127.0.0.1; null turns the admin API off. */
  adminPort: number | null;
}

// Everything interpolated into the Caddyfile is validated: these values reach a config language.
const hostnamePattern =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function checkHostname(hostname: string): string {
  const h = hostname.toLowerCase();
  if (!hostnamePattern.test(h)) throw new Error(`invalid hostname: ${hostname}`);
  return h;
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid ${what}: ${port}`);
  return port;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `header_up` lines that take our login cookies out of the Cookie header before a request reaches
 * a forwarded port's app: the app is arbitrary code, and must never hold a credential of ours.
 * Caddy 2.6 reads an empty replacement as "set the header to the pattern", so the replacement is a
 * reference to an always-empty group. The second line drops a separator left at the start.
 */
export function stripCookieLines(names: readonly string[] = berthCookieNames): string[] {
  const alternatives = names.map(escapeRegex).join("|");
  return [
    `header_up Cookie "(?:^|;)\\s*(?:${alternatives})\\s*=[^;]*()" "$1"`,
    `header_up Cookie "^[;\\s]+()" "$1"`,
  ];
}

/** The routes shared by both variants: agent on the bare name, forwarded ports on `<port>.`. */
function routes(hostname: string, agentPort: number): string {
  const portRe = `^([1-9][0-9]{0,4})\\.${escapeRegex(hostname)}$`;
  return `	@agent host ${hostname}
	handle @agent {
		# The agent's loopback-only endpoints (Caddy's ask check) are not for the internet.
		respond /caddy/* 404
		reverse_proxy 127.0.0.1:${agentPort}
	}

	# <port>.${hostname} -> a server the user runs on that port in the VM, private to the
	# workspace's owner: the agent checks the port host's own cookie (or exchanges a ?token= for
	# one). Our cookies are taken out of what the app receives.
	# Without X-Forwarded-For the agent sees a direct loopback request, as for the ask check.
	@port vars_regexp port {host} ${portRe}
	handle @port {
		forward_auth 127.0.0.1:${agentPort} {
			uri /caddy/forward-auth
			header_up -X-Forwarded-For
		}
		reverse_proxy 127.0.0.1:{re.port.1} {
${stripCookieLines()
  .map((l) => `			${l}`)
  .join("\n")}
		}
	}

	handle {
		respond "unknown host" 404
	}`;
}

function issuerLines(issuer: CaddyIssuer): string[] {
  switch (issuer) {
    case "acme":
      return ["issuer acme", "issuer zerossl"];
    case "zerossl":
      return ["issuer zerossl"];
    case "internal":
      return ["issuer internal"];
  }
}

/** The production Caddyfile: https with on-demand TLS for the workspace's names. */
export function renderCaddyfile(opts: CaddyfileOptions): string {
  const hostname = checkHostname(opts.hostname);
  const agentPort = checkPort(opts.agentPort, "agent port");
  const ask = new URL(opts.askUrl);
  if (ask.protocol !== "http:" && ask.protocol !== "https:") throw new Error("askUrl must be http(s)");
  if (opts.email !== undefined && !/^[^\s{}"#@]+@[^\s{}"#@]+$/.test(opts.email)) {
    throw new Error(`invalid email: ${opts.email}`);
  }
  if (opts.issuer === "zerossl" && opts.email === undefined) throw new Error("ZeroSSL needs an email");
  const global = [
    ...(opts.email === undefined ? [] : [`	email ${opts.email}`]),
    "	on_demand_tls {",
    `		ask ${ask.href}`,
    "	}",
  ];
  const tls = ["on_demand", ...issuerLines(opts.issuer)].map((l) => `		${l}`);
  return `{
${global.join("\n")}
}

${hostname}, *.${hostname} {
	tls {
${tls.join("\n")}
	}

${routes(hostname, agentPort)}
}
`;
}

/** Local/test Caddyfile: plain http on 127.0.0.1, same routes, no certificates. */
export function renderLocalCaddyfile(opts: LocalCaddyfileOptions): string {
  const hostname = checkHostname(opts.hostname);
  const listenPort = checkPort(opts.listenPort, "listen port");
  const agentPort = checkPort(opts.agentPort, "agent port");
  const admin = opts.adminPort === null ? "off" : `127.0.0.1:${checkPort(opts.adminPort, "admin port")}`;
  return `{
	auto_https off
	admin ${admin}
}

http://${hostname}:${listenPort}, http://*.${hostname}:${listenPort} {
	bind 127.0.0.1

${routes(hostname, agentPort)}
}
`;
}
