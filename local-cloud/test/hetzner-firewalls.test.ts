import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { HETZNER_TOKEN, hetzner, serverBody, startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof hetzner>;

beforeAll(async () => {
  cloud = await startEphemeral({ hetznerBootMs: 0 });
  api = hetzner(cloud);
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await fetch(`${new URL(cloud.urls.hetzner).origin}/__berth/reset`, { method: "POST" });
});

const web = [
  { direction: "in", protocol: "tcp", port: "443", source_ips: ["0.0.0.0/0", "::/0"] },
  { direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0", "::/0"], description: "ping" },
];

/** DELETE answers 204 with no body, which the JSON helper cannot read. */
async function remove(id: number): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${cloud.urls.hetzner}/firewalls/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${HETZNER_TOKEN}` },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe("hetzner firewalls", () => {
  it("creates a firewall with Hetzner's shape, and gets it by id", async () => {
    const res = await api("POST", "/firewalls", {
      name: "fw-a",
      labels: { "berth.deployment": "d1" },
      rules: web,
    });
    expect(res.status).toBe(201);
    expect(res.json.actions).toEqual([]);
    const fw = res.json.firewall;
    expect(fw).toMatchObject({ id: 1, name: "fw-a", labels: { "berth.deployment": "d1" }, applied_to: [] });
    expect(fw.rules).toEqual([
      {
        description: null,
        direction: "in",
        protocol: "tcp",
        port: "443",
        source_ips: ["0.0.0.0/0", "::/0"],
        destination_ips: [],
      },
      {
        description: "ping",
        direction: "in",
        protocol: "icmp",
        port: null,
        source_ips: ["0.0.0.0/0", "::/0"],
        destination_ips: [],
      },
    ]);
    expect(Number.isNaN(Date.parse(fw.created))).toBe(false);
    expect((await api("GET", "/firewalls/1")).json.firewall).toEqual(fw);
    expect((await api("GET", "/firewalls/99")).json.error.code).toBe("not_found");
  });

  it("rejects bad rules with per-field details, and a duplicate name with 409", async () => {
    const bad = await api("POST", "/firewalls", {
      name: "fw-bad",
      rules: [{ direction: "in", protocol: "tcp", source_ips: ["0.0.0.0/0"] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields[0].name).toBe("rules.0.port");
    const noSource = await api("POST", "/firewalls", {
      name: "fw-bad",
      rules: [{ direction: "in", protocol: "tcp", port: "80", source_ips: ["everyone"] }],
    });
    expect(noSource.json.error.details.fields[0].name).toBe("rules.0.source_ips");
    expect((await api("POST", "/firewalls", { name: "dup" })).status).toBe(201);
    expect((await api("POST", "/firewalls", { name: "dup" })).json.error.code).toBe("uniqueness_error");
  });

  it("lists by label selector, paginated with meta.pagination", async () => {
    for (let i = 0; i < 3; i++)
      await api("POST", "/firewalls", { name: `mine-${i}`, labels: { "berth.deployment": "d1" } });
    await api("POST", "/firewalls", { name: "theirs", labels: { "berth.deployment": "d2" } });
    const page1 = await api("GET", "/firewalls?label_selector=berth.deployment%3Dd1&per_page=2");
    expect(page1.json.firewalls.map((f: { name: string }) => f.name)).toEqual(["mine-0", "mine-1"]);
    expect(page1.json.meta.pagination).toMatchObject({
      page: 1,
      per_page: 2,
      next_page: 2,
      total_entries: 3,
    });
    const page2 = await api("GET", "/firewalls?label_selector=berth.deployment%3Dd1&per_page=2&page=2");
    expect(page2.json.firewalls.map((f: { name: string }) => f.name)).toEqual(["mine-2"]);
    expect(page2.json.meta.pagination.next_page).toBeNull();
    expect((await api("GET", "/firewalls?label_selector=%3D%3D")).status).toBe(400);
  });

  it("applies at server create; the server shows it in public_net.firewalls", async () => {
    const fw = (await api("POST", "/firewalls", { name: "fw", rules: web })).json.firewall;
    const server = (await api("POST", "/servers", serverBody("s1", { firewalls: [{ firewall: fw.id }] })))
      .json.server;
    expect(server.public_net.firewalls).toEqual([{ id: fw.id, status: "applied" }]);
    expect((await api("GET", `/firewalls/${fw.id}`)).json.firewall.applied_to).toEqual([
      { type: "server", server: { id: server.id } },
    ]);
    const unknown = await api("POST", "/servers", serverBody("s2", { firewalls: [{ firewall: 999 }] }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details.fields[0].name).toBe("firewalls");
  });

  it("apply_to_resources / remove_from_resources return actions and change the server", async () => {
    const fw = (await api("POST", "/firewalls", { name: "fw", rules: web })).json.firewall;
    const server = (await api("POST", "/servers", serverBody("s1"))).json.server;
    expect(server.public_net.firewalls).toEqual([]);
    const to = [{ type: "server", server: { id: server.id } }];
    const applied = await api("POST", `/firewalls/${fw.id}/actions/apply_to_resources`, { apply_to: to });
    expect(applied.status).toBe(201);
    expect(applied.json.actions[0]).toMatchObject({
      command: "apply_firewall",
      status: "success",
      resources: [
        { id: fw.id, type: "firewall" },
        { id: server.id, type: "server" },
      ],
    });
    expect((await api("GET", `/servers/${server.id}`)).json.server.public_net.firewalls).toEqual([
      { id: fw.id, status: "applied" },
    ]);
    const again = await api("POST", `/firewalls/${fw.id}/actions/apply_to_resources`, { apply_to: to });
    expect(again.json.error.code).toBe("firewall_already_applied");
    const ghost = [{ type: "server", server: { id: 999 } }];
    expect(
      (await api("POST", `/firewalls/${fw.id}/actions/apply_to_resources`, { apply_to: ghost })).json.error
        .code,
    ).toBe("firewall_resource_not_found");

    // Deleting a firewall in use is refused, as Hetzner does.
    const inUse = await remove(fw.id);
    expect(inUse.status).toBe(422);
    expect((inUse.json as { error: { code: string } }).error.code).toBe("resource_in_use");

    const removed = await api("POST", `/firewalls/${fw.id}/actions/remove_from_resources`, {
      remove_from: to,
    });
    expect(removed.json.actions[0].command).toBe("remove_firewall");
    expect((await api("GET", `/servers/${server.id}`)).json.server.public_net.firewalls).toEqual([]);
    expect((await remove(fw.id)).status).toBe(204);
    expect((await api("GET", `/firewalls/${fw.id}`)).status).toBe(404);
  });

  it("set_rules replaces the rules; a deleted server leaves the firewall's applied_to", async () => {
    const fw = (await api("POST", "/firewalls", { name: "fw", rules: web })).json.firewall;
    const server = (await api("POST", "/servers", serverBody("s1", { firewalls: [{ firewall: fw.id }] })))
      .json.server;
    const rules = [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["10.0.0.0/8"] }];
    const set = await api("POST", `/firewalls/${fw.id}/actions/set_rules`, { rules });
    expect(set.status).toBe(201);
    expect(set.json.actions.map((a: { command: string }) => a.command)).toEqual([
      "set_firewall_rules",
      "apply_firewall",
    ]);
    expect((await api("GET", `/firewalls/${fw.id}`)).json.firewall.rules).toMatchObject([{ port: "22" }]);
    await api("DELETE", `/servers/${server.id}`);
    expect((await api("GET", `/firewalls/${fw.id}`)).json.firewall.applied_to).toEqual([]);
    expect((await remove(fw.id)).status).toBe(204);
  });
});
