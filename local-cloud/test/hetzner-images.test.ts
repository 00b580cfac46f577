import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof hetzner>;
let origin: string;

beforeAll(async () => {
  cloud = await startEphemeral({ hetznerBootMs: 0, hetznerImageMs: 300 });
  api = hetzner(cloud);
  origin = new URL(cloud.urls.hetzner).origin;
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await fetch(`${origin}/__berth/reset`, { method: "POST" });
});

async function waitForAction(id: number) {
  for (;;) {
    const a = await api("GET", `/actions/${id}`);
    if (a.json.action.status !== "running") return a.json.action;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function snapshotOf(name: string, labels: Record<string, string>) {
  const s = await api("POST", "/servers", serverBody(name, { image: "debian-12" }));
  const res = await api("POST", `/servers/${s.json.server.id}/actions/create_image`, {
    description: `${name} snapshot`,
    type: "snapshot",
    labels,
  });
  return { server: s.json.server, res };
}

describe("hetzner images", () => {
  it("lists system images by name and architecture, with pagination meta", async () => {
    const res = await api("GET", "/images?name=debian-12&architecture=arm");
    expect(res.status).toBe(200);
    expect(res.json.images).toHaveLength(1);
    expect(res.json.images[0]).toMatchObject({
      name: "debian-12",
      type: "system",
      status: "available",
      architecture: "arm",
      os_flavor: "debian",
    });
    expect(res.json.meta.pagination).toMatchObject({ page: 1, total_entries: 1, next_page: null });
    const one = await api("GET", `/images/${res.json.images[0].id}`);
    expect(one.json.image.name).toBe("debian-12");
    const page = await api("GET", "/images?type=system&per_page=2&page=2");
    expect(page.json.images).toHaveLength(2);
    expect(page.json.meta.pagination).toMatchObject({ page: 2, previous_page: 1, next_page: 3 });
  });

  it("create_image makes a snapshot that is creating until its action succeeds", async () => {
    const { server, res } = await snapshotOf("builder", { "berth.image": "vm", "berth.recipe": "abc" });
    expect(res.status).toBe(201);
    expect(res.json.action).toMatchObject({ command: "create_image", status: "running" });
    expect(res.json.action.resources).toContainEqual({ id: server.id, type: "server" });
    expect(res.json.image).toMatchObject({
      type: "snapshot",
      status: "creating",
      name: null,
      description: "builder snapshot",
      created_from: { id: server.id, name: "builder" },
      labels: { "berth.image": "vm", "berth.recipe": "abc" },
      architecture: "x86",
      os_flavor: "debian",
    });
    // The server is locked while the image is made.
    expect((await api("GET", `/servers/${server.id}`)).json.server.locked).toBe(true);
    const locked = await api("POST", `/servers/${server.id}/actions/poweroff`);
    expect(locked.status).toBe(423);
    expect(locked.json.error.code).toBe("locked");
    const again = await api("POST", `/servers/${server.id}/actions/create_image`, {});
    expect(again.status).toBe(423);

    expect((await waitForAction(res.json.action.id)).status).toBe("success");
    const img = await api("GET", `/images/${res.json.image.id}`);
    expect(img.json.image.status).toBe("available");
    expect((await api("GET", `/servers/${server.id}`)).json.server.locked).toBe(false);
    const byActions = await api("GET", `/actions?id=${res.json.action.id}`);
    expect(byActions.json.actions.map((a: { id: number }) => a.id)).toEqual([res.json.action.id]);
  });

  it("filters by label selector, type and status, and sorts newest first", async () => {
    const a = await snapshotOf("a", { "berth.image": "vm", "berth.recipe": "one" });
    const b = await snapshotOf("b", { "berth.image": "vm", "berth.recipe": "two" });
    await snapshotOf("c", { other: "x" });
    const vm = await api(
      "GET",
      "/images?type=snapshot&label_selector=berth.image%3Dvm&sort=created:desc&sort=id:desc",
    );
    expect(vm.json.images.map((i: { id: number }) => i.id)).toEqual([
      b.res.json.image.id,
      a.res.json.image.id,
    ]);
    const creating = await api("GET", "/images?type=snapshot&status=creating");
    expect(creating.json.images).toHaveLength(3);
    expect((await api("GET", "/images?type=snapshot&status=available")).json.images).toHaveLength(0);
    const bad = await api("GET", "/images?sort=size");
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_input");
  });

  it("boots a server from a snapshot by id, and refuses one still being created", async () => {
    const { res } = await snapshotOf("src", { "berth.image": "vm" });
    const early = await api("POST", "/servers", serverBody("too-early", { image: res.json.image.id }));
    expect(early.status).toBe(400);
    expect(early.json.error.details.fields[0].name).toBe("image");
    await waitForAction(res.json.action.id);
    const s = await api("POST", "/servers", serverBody("from-snap", { image: String(res.json.image.id) }));
    expect(s.status).toBe(201);
    expect(s.json.server.image).toMatchObject({ id: res.json.image.id, type: "snapshot" });
    const arm = await api(
      "POST",
      "/servers",
      serverBody("arm", { image: res.json.image.id, server_type: "cax11" }),
    );
    expect(arm.status).toBe(400);
  });

  it("updates labels and description, deletes snapshots, and refuses system images", async () => {
    const { server, res } = await snapshotOf("upd", {});
    const id = res.json.image.id;
    const put = await api("PUT", `/images/${id}`, { description: "renamed", labels: { k: "v" } });
    expect(put.json.image).toMatchObject({ description: "renamed", labels: { k: "v" } });
    const badLabel = await api("PUT", `/images/${id}`, { labels: { "bad key!": "v" } });
    expect(badLabel.status).toBe(400);
    // A snapshot outlives its server.
    await waitForAction(res.json.action.id);
    await api("DELETE", `/servers/${server.id}`);
    expect((await api("GET", `/images/${id}`)).status).toBe(200);
    const del = await fetch(`${cloud.urls.hetzner}/images/${id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer local-hetzner-token" },
    });
    expect(del.status).toBe(204);
    const gone = await api("GET", `/images/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: { code: "not_found", message: `image with ID '${id}' not found` } });
    const sys = (await api("GET", "/images?name=ubuntu-24.04&architecture=x86")).json.images[0];
    expect((await api("DELETE", `/images/${sys.id}`)).status).toBe(403);
  });

  it("answers resource limits, a guest power-off, and injected faults in Hetzner's error shape", async () => {
    await fetch(`${origin}/__berth/hetzner/limits`, {
      method: "PUT",
      body: JSON.stringify({ snapshots: 0, servers: 1 }),
    });
    const s = await api("POST", "/servers", serverBody("lim"));
    const second = await api("POST", "/servers", serverBody("lim2"));
    expect(second.status).toBe(403);
    expect(second.json.error).toMatchObject({ code: "resource_limit_exceeded" });
    const full = await api("POST", `/servers/${s.json.server.id}/actions/create_image`, {});
    expect(full.status).toBe(403);
    expect(full.json.error.code).toBe("resource_limit_exceeded");

    const off = await fetch(`${origin}/__berth/hetzner/servers/${s.json.server.id}/poweroff`, {
      method: "POST",
    });
    expect(off.status).toBe(200);
    expect((await api("GET", `/servers/${s.json.server.id}`)).json.server.status).toBe("off");

    await fetch(`${origin}/__berth/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "POST", path: "/v1/servers/", status: 503 }),
    });
    await fetch(`${origin}/__berth/hetzner/limits`, {
      method: "PUT",
      body: JSON.stringify({ snapshots: 5 }),
    });
    const fault = await api("POST", `/servers/${s.json.server.id}/actions/create_image`, {});
    expect(fault.status).toBe(503);
    expect(fault.json.error.code).toBe("unavailable");
    expect((await api("GET", "/images?type=snapshot")).json.images).toHaveLength(0);
  });

  it("registers a snapshot made elsewhere (the local VM image), available at once", async () => {
    const res = await fetch(`${origin}/__berth/hetzner/images`, {
      method: "POST",
      body: JSON.stringify({
        description: "local",
        labels: { "berth.image": "vm", "berth.deployment": "dev" },
      }),
    });
    expect(res.status).toBe(201);
    const { image } = (await res.json()) as { image: { id: number; status: string } };
    expect(image.status).toBe("available");
    const found = await api("GET", "/images?type=snapshot&label_selector=berth.image%3Dvm&architecture=x86");
    expect(found.json.images.map((i: { id: number }) => i.id)).toEqual([image.id]);
    const bad = await fetch(`${origin}/__berth/hetzner/images`, {
      method: "POST",
      body: JSON.stringify({ labels: { "bad key!": "x" } }),
    });
    expect(bad.status).toBe(400);
  });
});
