import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { workspaces } from "../src/db/schema/index.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow } from "../src/workspaces/service.ts";
import {
  clearAllFaults,
  depsAt,
  expectInvariants,
  hetzner,
  load,
  readyWorkspace,
  recordsOf,
  serversOf,
  sweep,
} from "./support/lifecycle.ts";
import { freshLogin, signIn, signInWithId } from "./support/session.ts";

const minutes = (n: number) => n * 60_000;

afterEach(clearAllFaults);

describe("orphans", () => {
  it("deletes Berth-labelled servers and records nobody owns, only once past the grace period", async () => {
    const deps = depsAt();
    const ghost = `wghost${crypto.randomUUID().slice(0, 6)}`;
    const labelled = await deps.servers.createServer({
      name: `berth-${ghost}`,
      serverType: "cx23",
      location: "fsn1",
      image: "ubuntu-24.04",
      userData: "#cloud-config\n",
      labels: { "berth.managed-by": "berth", "berth.workspace": ghost, "berth.deployment": deps.deployment },
    });
    const unlabelled = await deps.servers.createServer({
      name: `someone-elses-${ghost}`,
      serverType: "cx23",
      location: "fsn1",
      image: "ubuntu-24.04",
      userData: "#cloud-config\n",
      labels: { team: "not-berth" },
    });
    await deps.dns.ensureWorkspaceRecords(
      ghost,
      [`${ghost}.localhost`, `*.${ghost}.localhost`],
      "127.0.99.1",
    );

    const early = await sweep(depsAt(minutes(1)));
    expect(early.orphanServersDeleted).not.toContain(labelled.id);
    expect(await deps.servers.getServer(labelled.id)).not.toBeNull();
    expect(await recordsOf(ghost)).toHaveLength(2);

    const late = await sweep(depsAt(minutes(6)));
    expect(late.orphanServersDeleted).toContain(labelled.id);
    expect(await deps.servers.getServer(labelled.id)).toBeNull();
    expect(await recordsOf(ghost)).toHaveLength(0);
    expect(await deps.servers.getServer(unlabelled.id)).not.toBeNull();
    await deps.servers.deleteServer(unlabelled.id);
  });

  it("spares an image build server while it builds, and removes one a crashed build left", async () => {
    const deps = depsAt();
    const build = await deps.servers.createServer({
      name: `berth-image-${crypto.randomUUID().slice(0, 8)}`,
      serverType: "cx23",
      location: "fsn1",
      image: "ubuntu-24.04",
      userData: "#cloud-config\n",
      labels: {
        "berth.managed-by": "berth",
        "berth.deployment": deps.deployment,
        "berth.image-build": "0123456789abcdef",
      },
    });
    const during = await sweep(depsAt(minutes(30)));
    expect(during.orphanServersDeleted).not.toContain(build.id);
    expect(await deps.servers.getServer(build.id)).not.toBeNull();
    const after = await sweep(depsAt(minutes(91)));
    expect(after.orphanServersDeleted).toContain(build.id);
    expect(await deps.servers.getServer(build.id)).toBeNull();
  });
});

describe("deadlines", () => {
  it("puts a ready workspace whose agent stopped heartbeating to sleep, and deletes its VM", async () => {
    const cookie = await signIn(freshLogin("silent"));
    const { id } = await readyWorkspace(cookie);
    await sweep(depsAt(minutes(2)));
    expect((await load(id)).state).toBe("ready");
    await sweep(depsAt(minutes(6)));
    expect((await load(id)).state).toBe("sleeping");
    await sweep(depsAt(minutes(12)));
    const ws = await load(id);
    expect(ws.state).toBe("asleep");
    expect(ws.stateReason).toContain("no snapshot exists");
    expect(await serversOf(id)).toHaveLength(0);
    expect(await recordsOf(id)).toHaveLength(0);
  });

  it("puts a workspace to sleep at its maximum lifetime even while it heartbeats", async () => {
    const cookie = await signIn(freshLogin("old"));
    const { id } = await readyWorkspace(cookie);
    const deps = depsAt(minutes(12 * 60 + 1));
    await deps.db
      .update(workspaces)
      .set({ lastHeartbeatAt: new Date(deps.now()) })
      .where(eq(workspaces.id, id));
    await reconcileWorkspace(deps, await load(id));
    expect((await load(id)).state).toBe("sleeping");
    const events = await env.DB.prepare(
      "select message from workspace_events where workspace_id = ? and type = 'state'",
    )
      .bind(id)
      .all<{ message: string }>();
    expect(events.results.map((e) => e.message).join("\n")).toContain("maximum lifetime");
  });

  it("fails a workspace stuck booting (agent never called back) and cleans up after it", async () => {
    const { userId } = await signInWithId(freshLogin("stuck"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: "https://example.test/r.git" }, null);
    const booting = await reconcileWorkspace(deps, workspace);
    expect(booting.state).toBe("booting");
    await sweep(depsAt(minutes(21)));
    const ws = await load(workspace.id);
    expect(ws.state).toBe("failed");
    expect(ws.stateReason).toContain("stuck in booting");
    expect(await serversOf(workspace.id)).toHaveLength(0);
    expect(await recordsOf(workspace.id)).toHaveLength(0);
    await expectInvariants();
  });
});

describe("isolation", () => {
  it("one workspace failing to clean up does not stop the rest of the sweep", async () => {
    const cookie = await signIn(freshLogin("isolated"));
    const a = await readyWorkspace(cookie);
    const b = await readyWorkspace(cookie);
    const serverA = (await load(a.id)).serverId;
    await hetzner.fault({ method: "DELETE", path: `/v1/servers/${serverA}`, status: 500, times: 0 });
    await sweep(depsAt(minutes(6))); // both missed their heartbeats: sleeping
    const report = await sweep(depsAt(minutes(12))); // and silent since: asleep, VMs deleted
    expect(report.errors.some((e) => e.includes(a.id))).toBe(true);
    expect((await load(a.id)).state).toBe("asleep");
    expect(await serversOf(a.id)).toHaveLength(1);
    expect((await load(b.id)).state).toBe("asleep");
    expect(await serversOf(b.id)).toHaveLength(0);
    await hetzner.clearFaults();
    await sweep(depsAt(minutes(13)));
    expect(await serversOf(a.id)).toHaveLength(0);
    await expectInvariants();
  });

  it("stops calling Hetzner for the rest of a sweep once it answers 429", async () => {
    await hetzner.clearRequests();
    await hetzner.fault({
      method: "GET",
      path: "/v1/servers",
      status: 429,
      headers: { "Retry-After": "30" },
      times: 1,
    });
    const report = await sweep(depsAt());
    expect(report.errors[0]).toMatch(/list servers/);
    const calls = (await hetzner.requests()).length;
    expect(calls).toBe(1);
  });
});
