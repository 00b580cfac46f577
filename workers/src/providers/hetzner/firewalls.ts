import type { CloudFirewall, FirewallRule, FirewallSpec, ServerProvider } from "../types.ts";
import type { HetznerRequester } from "./http.ts";
import { listAll } from "./list.ts";
import { toCloudFirewall, type WireFirewall } from "./wire.ts";

type FirewallMethods = Pick<
  ServerProvider,
  "listFirewalls" | "createFirewall" | "setFirewallRules" | "applyFirewall"
>;

/** Hetzner Cloud Firewalls: `/firewalls` and its actions. */
export function hetznerFirewalls(request: HetznerRequester): FirewallMethods {
  return {
    async listFirewalls(labelSelector: string): Promise<CloudFirewall[]> {
      const all = await listAll<WireFirewall>(request, "/firewalls", "firewalls", {
        label_selector: labelSelector,
      });
      return all.map(toCloudFirewall);
    },

    async createFirewall(spec: FirewallSpec): Promise<CloudFirewall> {
      const body = await request<{ firewall: WireFirewall }>({
        method: "POST",
        path: "/firewalls",
        body: { name: spec.name, labels: spec.labels, rules: spec.rules.map(wireRule) },
      });
      return toCloudFirewall(body.firewall);
    },

    async setFirewallRules(id: number, rules: FirewallRule[]): Promise<void> {
      await request({
        method: "POST",
        path: `/firewalls/${id}/actions/set_rules`,
        body: { rules: rules.map(wireRule) },
      });
    },

    async applyFirewall(id: number, serverIds: number[]): Promise<void> {
      if (serverIds.length === 0) return;
      await request({
        method: "POST",
        path: `/firewalls/${id}/actions/apply_to_resources`,
        body: { apply_to: serverIds.map((server) => ({ type: "server", server: { id: server } })) },
      });
    },
  };
}

/** Hetzner refuses a `port` on icmp rules, and wants no empty description. */
function wireRule(r: FirewallRule): Record<string, unknown> {
  return {
    direction: r.direction,
    protocol: r.protocol,
    ...(r.port === null ? {} : { port: r.port }),
    source_ips: r.source_ips,
    destination_ips: r.destination_ips,
    ...(r.description === null ? {} : { description: r.description }),
  };
}
