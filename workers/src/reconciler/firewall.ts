/**
 * The deployment's Hetzner Cloud Firewall: every workspace VM sits behind it, so nothing but HTTP
 * and HTTPS (Caddy) and ICMP reaches a VM from outside, whatever the devcontainer listens on.
 * One per deployment, found by its labels, created when missing and its rules put back when
 * someone changed them. Level-triggered like the rest of the reconciler.
 */
import { serverLabels } from "@berth/protocol";
import {
  type CloudFirewall,
  type CloudServer,
  type FirewallRule,
  ProviderError,
  type ServerProvider,
} from "../providers/types.ts";

const anywhere = ["0.0.0.0/0", "::/0"];

/** Inbound: HTTP (ACME challenges, redirects), HTTPS (the terminal and forwarded ports), ping. */
export const firewallRules: readonly FirewallRule[] = [
  {
    direction: "in",
    protocol: "tcp",
    port: "80",
    source_ips: anywhere,
    destination_ips: [],
    description: "http",
  },
  {
    direction: "in",
    protocol: "tcp",
    port: "443",
    source_ips: anywhere,
    destination_ips: [],
    description: "https",
  },
  {
    direction: "in",
    protocol: "icmp",
    port: null,
    source_ips: anywhere,
    destination_ips: [],
    description: "icmp",
  },
];

export const firewallLabels = (deployment: string): Record<string, string> => ({
  [serverLabels.managedBy]: "berth",
  [serverLabels.deployment]: deployment,
});

export const firewallSelector = (deployment: string) =>
  `${serverLabels.managedBy}=berth,${serverLabels.deployment}=${deployment}`;

export const firewallName = (deployment: string) => `berth-${deployment}`;

/** The rules as a comparable set: order, descriptions and address order do not matter. */
function ruleKeys(rules: readonly FirewallRule[]): string {
  return rules
    .map((r) =>
      [
        r.direction,
        r.protocol,
        r.port ?? "",
        [...r.source_ips].sort().join(","),
        [...r.destination_ips].sort().join(","),
      ].join(" "),
    )
    .sort()
    .join("\n");
}

export function rulesMatch(rules: readonly FirewallRule[]): boolean {
  return ruleKeys(rules) === ruleKeys(firewallRules);
}

/**
 * The deployment's firewall, created if missing and its rules restored if changed. A create that
 * loses a race (Hetzner's uniqueness_error on the name) finds the winner by label instead.
 */
export async function ensureFirewall(servers: ServerProvider, deployment: string): Promise<CloudFirewall> {
  const selector = firewallSelector(deployment);
  let [firewall] = (await servers.listFirewalls(selector)).sort((a, b) => a.id - b.id);
  if (!firewall) {
    try {
      firewall = await servers.createFirewall({
        name: firewallName(deployment),
        labels: firewallLabels(deployment),
        rules: [...firewallRules],
      });
    } catch (err) {
      if (!(err instanceof ProviderError && err.code === "uniqueness_error")) throw err;
      [firewall] = await servers.listFirewalls(selector);
      // The name is taken by a firewall without our labels: someone else's; do not adopt it.
      if (!firewall) throw err;
    }
  }
  if (!rulesMatch(firewall.rules)) {
    await servers.setFirewallRules(firewall.id, [...firewallRules]);
    firewall = { ...firewall, rules: [...firewallRules] };
  }
  return firewall;
}

/** Hetzner takes a bounded number of resources per action; 50 like its page size. */
const APPLY_CHUNK = 50;

/** Puts the firewall back on every listed server that lacks it; returns the servers it fixed. */
export async function applyFirewallWhereMissing(
  servers: ServerProvider,
  firewall: CloudFirewall,
  listed: CloudServer[],
): Promise<number[]> {
  const missing = listed
    .filter((s) => s.status !== "deleting" && !s.firewallIds.includes(firewall.id))
    .map((s) => s.id);
  for (let i = 0; i < missing.length; i += APPLY_CHUNK) {
    await servers.applyFirewall(firewall.id, missing.slice(i, i + APPLY_CHUNK));
  }
  return missing;
}
