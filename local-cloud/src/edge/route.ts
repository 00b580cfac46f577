import type { CloudflareState } from "../cloudflare/state.ts";

export type Route =
  /** `portHost`: a forwarded port `<port>.<id>`, which the agent's forward-auth must approve. */
  | { kind: "proxy"; host: string; ip: string; port: number; portHost: boolean }
  | { kind: "not-found"; host: string; why: string }
  | { kind: "refused"; host: string; why: string };

/** The hostname part of a Host header, lowercased, without port or trailing dot. */
export function hostName(header: string | undefined): string {
  const h = (header ?? "").trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1); // IPv6 literal: never a workspace
  return h.replace(/:\d*$/, "").replace(/\.$/, "");
}

const PORT_LABEL = /^[1-9][0-9]{0,4}$/;

/**
 * Routes a Host like the VM's Caddy does (cloud-init/src/caddyfile.ts): `<id>.<zone>` to the agent,
 * `<port>.<id>.<zone>` to that port, anything else under a workspace is unknown. The address comes
 * from the local DNS zone, so a deleted workspace's names stop working when its records go.
 */
export function route(
  header: string | undefined,
  path: string,
  cf: CloudflareState,
  agentPort: number,
): Route {
  const host = hostName(header);
  const zone = cf.zones.find((z) => host.endsWith(`.${z.name}`));
  if (!zone) return { kind: "not-found", host, why: "not a name in a local DNS zone" };
  const labels = host.slice(0, -(zone.name.length + 1)).split(".");
  let port = agentPort;
  if (labels.length === 2 && PORT_LABEL.test(labels[0] as string) && Number(labels[0]) <= 65535) {
    port = Number(labels[0]);
  } else if (labels.length !== 1) {
    return { kind: "not-found", host, why: "not a workspace name or <port>.<workspace> name" };
  }
  const ip = cf.resolve(host);
  if (ip === null) return { kind: "not-found", host, why: "no DNS record" };
  // Simulated VMs live on loopback; anything else in the local zone is not ours to proxy to.
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip))
    return { kind: "refused", host, why: `resolves to ${ip}, which is not a local (127/8) address` };
  // The agent's Caddy-only endpoints are not reachable from outside the VM (as Caddy answers).
  if (port === agentPort && labels.length === 1 && /^\/caddy(\/|$)/.test(path))
    return { kind: "not-found", host, why: "not served publicly" };
  return { kind: "proxy", host, ip, port, portHost: labels.length === 2 };
}
