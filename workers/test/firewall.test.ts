/** The deployment's Hetzner Cloud Firewall: created, kept in shape, and on every server. */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { CloudFirewall } from "../src/providers/types.ts";
import { ensureFirewall, firewallRules, firewallSelector, rulesMatch } from "../src/reconciler/firewall.ts";
import {
  clearAllFaults,
  createWorkspace,
  depsAt,
  hetzner,
  load,
  readyWorkspace,
  serversOf,
  sweep,
  waitFor,
} from "./support/lifecycle.ts";
import { freshLogin, signIn } from "./support/session.ts";

afterEach(clearAllFaults);

const auth = { authorization: `Bearer ${env.HETZNER_TOKEN}`, "content-type": "application/json" };
const hcloud = (method: string, path: string, body?: unknown) =>
  fetch(`${env.HETZNER_API_URL}${path}`, {
    method,
    headers: auth,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

async function ourFirewall(): Promise<CloudFirewall> {
  const [fw, ...more] = await depsAt().servers.listFirewalls(firewallSelector("test"));
  expect(more).toEqual([]);
  if (!fw) throw new Error("no firewall");
  return fw;
}

describe("the deployment's firewall", () => {
  it("is created once, labelled, allowing only TCP 80/443 and ICMP from anywhere", async () => {
    const deps = depsAt();
    const first = await ensureFirewall(deps.servers, deps.deployment);
    const again = await ensureFirewall(deps.servers, deps.deployment);
    expect(again.id).toBe(first.id);
    const fw = await ourFirewall();
    expect(fw.labels).toEqual({ "berth.managed-by": "berth", "berth.deployment": "test" });
    const inbound = fw.rules.map((r) => [r.direction, r.protocol, r.port, r.source_ips]);
    expect(inbound).toEqual([
      ["in", "tcp", "80", ["0.0.0.0/0", "::/0"]],
      ["in", "tcp", "443", ["0.0.0.0/0", "::/0"]],
      ["in", "icmp", null, ["0.0.0.0/0", "::/0"]],
    ]);
    expect(rulesMatch(fw.rules)).toBe(true);
  });

  it("every new server is created behind it (firewalls in POST /servers)", async () => {
    await hetzner.clearRequests();
    const { id } = await readyWorkspace(await signIn(freshLogin("fw-new")));
    const fw = await ourFirewall();
    const [server] = await serversOf(id);
    expect(server?.firewallIds).toEqual([fw.id]);
    const create = (await hetzner.requests()).find((r) => r.method === "POST" && r.path === "/v1/servers");
    expect(create?.body).toMatchObject({ firewalls: [{ firewall: fw.id }] });
  });

  it("no server is created while the firewall cannot be made sure of", async () => {
    const cookie = await signIn(freshLogin("fw-down"));
    await hetzner.fault({ method: "GET", path: "/v1/firewalls", status: 503 });
    const { body } = await createWorkspace(cookie);
    const ws = await waitFor("the reconcile to fail", async () => {
      const row = await load(body.id);
      return row.lastError ? row : null;
    });
    expect(ws.lastError).toMatch(/503/);
    expect(ws.serverId).toBeNull();
    expect(await serversOf(body.id)).toEqual([]);
    await clearAllFaults();
  });

  it("the sweep puts it back on a server that lost it, and restores changed rules", async () => {
    const { id } = await readyWorkspace(await signIn(freshLogin("fw-lost")));
    const fw = await ourFirewall();
    const [server] = await serversOf(id);
    const serverId = server?.id ?? 0;
    const removed = await hcloud("POST", `/firewalls/${fw.id}/actions/remove_from_resources`, {
      remove_from: [{ type: "server", server: { id: serverId } }],
    });
    expect(removed.status).toBe(201);
    await hcloud("POST", `/firewalls/${fw.id}/actions/set_rules`, {
      rules: [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["0.0.0.0/0"] }],
    });
    expect((await serversOf(id))[0]?.firewallIds).toEqual([]);

    const report = await sweep(depsAt());
    expect(report.firewallAppliedTo).toEqual([serverId]);
    expect((await serversOf(id))[0]?.firewallIds).toEqual([fw.id]);
    expect(rulesMatch((await ourFirewall()).rules)).toBe(true);
    // In place: the next sweep changes nothing.
    expect((await sweep(depsAt())).firewallAppliedTo).toEqual([]);
  });

  it("the sweep re-creates a deleted firewall and applies it to every server of ours", async () => {
    const { id } = await readyWorkspace(await signIn(freshLogin("fw-gone")));
    const old = await ourFirewall();
    // Hetzner refuses to delete a firewall in use: take it off everything first, as a person would.
    const applied = (await (await hcloud("GET", `/firewalls/${old.id}`)).json()) as {
      firewall: { applied_to: unknown[] };
    };
    await hcloud("POST", `/firewalls/${old.id}/actions/remove_from_resources`, {
      remove_from: applied.firewall.applied_to,
    });
    expect((await hcloud("DELETE", `/firewalls/${old.id}`)).status).toBe(204);

    const report = await sweep(depsAt());
    const fresh = await ourFirewall();
    expect(fresh.id).not.toBe(old.id);
    const [server] = await serversOf(id);
    expect(report.firewallAppliedTo).toContain(server?.id);
    expect(server?.firewallIds).toEqual([fresh.id]);
  });

  it("another deployment's firewall is never touched", async () => {
    const res = await hcloud("POST", "/firewalls", {
      name: `berth-prod-${crypto.randomUUID().slice(0, 8)}`,
      labels: { "berth.managed-by": "berth", "berth.deployment": "prod" },
      rules: [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["10.0.0.0/8"] }],
    });
    const theirs = ((await res.json()) as { firewall: { id: number } }).firewall;
    await sweep(depsAt());
    const after = (await (await hcloud("GET", `/firewalls/${theirs.id}`)).json()) as {
      firewall: { rules: Array<{ port: string }>; applied_to: unknown[] };
    };
    expect(after.firewall.rules.map((r) => r.port)).toEqual(["22"]);
    expect(after.firewall.applied_to).toEqual([]);
    expect((await ourFirewall()).rules).toHaveLength(firewallRules.length);
    await hcloud("DELETE", `/firewalls/${theirs.id}`);
  });
});
