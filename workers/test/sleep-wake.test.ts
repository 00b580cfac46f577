import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { partKey } from "../src/snapshots/store.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import {
  createWorkspace,
  depsAt,
  expectInvariants,
  load,
  readyWorkspace,
  recordsOf,
  serversOf,
  vmCall,
  waitFor,
  waitForState,
} from "./support/lifecycle.ts";
import { api, freshLogin, signIn } from "./support/session.ts";
import {
  asleepWorkspace,
  bootstrapWake,
  complete,
  objectKeys,
  putPart,
  randomBytes,
  sha256,
  snapshotObjects,
  snapshotRow,
  startSnapshot,
  uploadSnapshot,
  vmRequest,
} from "./support/snapshots.ts";

const post = (cookie: string, path: string) => api(path, { method: "POST", headers: { cookie } });
const heartbeat = {
  last_human_input_at: null,
  claude: { state: "idle" },
  open_terminals: 0,
  idle: { idle_seconds: 5, warning: false, shutdown_at: null },
};

describe("sleep: the VM goes only after a verified snapshot", () => {
  it("stop on a ready workspace is a sleep: the heartbeat says so, the VM stays until the snapshot is verified", async () => {
    const cookie = await signIn(freshLogin("sleeper"));
    const { id, callbackToken } = await readyWorkspace(cookie);
    const stop = await post(cookie, `/api/workspaces/${id}/stop`);
    expect(stop.status).toBe(202);
    expect(((await stop.json()) as { state: string }).state).toBe("sleeping");
    const beat = await vmCall(id, "heartbeat", callbackToken, heartbeat);
    expect(((await beat.json()) as { state: string }).state).toBe("sleeping");

    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "sleep");
    const archive = randomBytes(3000);
    const part = await (await putPart(id, callbackToken, sid, 0, archive)).json();
    // Not verified yet: the shutdown is refused and the VM stays.
    const early = await vmCall(id, "shutdown", callbackToken, { reason: "user", snapshot_id: sid });
    expect(early.status).toBe(409);
    await reconcileWorkspace(depsAt(), await load(id));
    expect(await serversOf(id)).toHaveLength(1);
    expect((await load(id)).state).toBe("sleeping");

    const done = await complete(id, callbackToken, sid, {
      size: 3000,
      sha256: await sha256(archive),
      parts: [part],
    });
    expect(done.status).toBe(200);
    const shut = await vmCall(id, "shutdown", callbackToken, { reason: "user", snapshot_id: sid });
    expect(shut.status).toBe(202);
    expect(await shut.json()).toEqual({ state: "asleep" });
    await waitFor(
      "the VM and DNS records to go",
      async () => (await serversOf(id)).length === 0 && (await recordsOf(id)).length === 0,
    );
    expect(await snapshotObjects(id, sid)).toHaveLength(1);

    const view = (await (await api(`/api/workspaces/${id}`, { headers: { cookie } })).json()) as {
      state: string;
      sleep: Record<string, unknown> & { snapshot: { size_bytes: number; kind: string } };
    };
    expect(view.state).toBe("asleep");
    expect(view.sleep.snapshot).toMatchObject({ id: sid, kind: "sleep", size_bytes: 3000 });
    expect(view.sleep.retention_days).toBe(30);
    expect(view.sleep.expires_soon).toBe(false);
    expect(view.sleep.monthly_storage_eur).toBeCloseTo((3000 / 1e9) * 0.014, 9);
    expect((await snapshotRow(sid))?.expiresAt).not.toBeNull();
    await expectInvariants();
  });

  it("falls asleep on its newest checkpoint, saying how old, when the VM disappears during the sleep", async () => {
    const cookie = await signIn(freshLogin("vanish"));
    const { id, callbackToken } = await readyWorkspace(cookie);
    const older = await uploadSnapshot(id, callbackToken, "checkpoint", randomBytes(1000));
    const newest = await uploadSnapshot(id, callbackToken, "checkpoint", randomBytes(2000));
    const { snapshot_id: pending } = await startSnapshot(id, callbackToken, "checkpoint");
    expect((await post(cookie, `/api/workspaces/${id}/stop`)).status).toBe(202);
    const [server] = await serversOf(id);
    await depsAt().servers.deleteServer(server?.id ?? 0);
    await reconcileWorkspace(depsAt(), await load(id));
    const ws = await load(id);
    expect(ws.state).toBe("asleep");
    expect(ws.sleepSnapshotId).toBe(newest);
    expect(ws.stateReason).toMatch(/server disappeared.*checkpoint snapshot of 2\.0 KiB, taken \d+ min ago/);
    expect((await snapshotRow(older))?.state).toBe("verified");
    expect(await recordsOf(id)).toEqual([]);
    // Uploads are closed once it is asleep: a late part from the old VM is refused.
    const late = await putPart(id, callbackToken, pending, 0, randomBytes(10));
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: { code: "snapshot_wrong_state" } });
    await expectInvariants();
  });

  it("says plainly that the work since boot is lost when a silent VM had no snapshot at all", async () => {
    const cookie = await signIn(freshLogin("silent"));
    const { id } = await readyWorkspace(cookie);
    await reconcileWorkspace(depsAt(6 * 60_000), await load(id));
    expect((await load(id)).state).toBe("sleeping");
    await reconcileWorkspace(depsAt(12 * 60_000), await load(id));
    const ws = await load(id);
    expect(ws.state).toBe("asleep");
    expect(ws.sleepSnapshotId).toBeNull();
    expect(ws.stateReason).toContain("no snapshot exists: the work since the workspace started is lost");
    expect(await serversOf(id)).toEqual([]);
    const view = (await (await api(`/api/workspaces/${id}`, { headers: { cookie } })).json()) as {
      sleep: { snapshot: unknown };
    };
    expect(view.sleep.snapshot).toBeNull();
  });

  it("keeps only the newest checkpoints (3 by default), deleting older ones and their objects", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("checkpoints")));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await uploadSnapshot(id, callbackToken, "checkpoint", randomBytes(500 + i)));
    await waitFor(
      "old checkpoints to be pruned",
      async () => (await snapshotRow(ids[1] ?? "")) === undefined,
    );
    expect(await snapshotRow(ids[0] ?? "")).toBeUndefined();
    for (const kept of ids.slice(2)) expect((await snapshotRow(kept))?.state).toBe("verified");
    expect(await snapshotObjects(id, ids[0] ?? "")).toEqual([]);
  });
});

/** The delete won: deleted, and no server, record, snapshot row or object of it is left. */
async function deletedLeavingNothing(id: string, sid: string) {
  await waitForState(id, "deleted");
  // A server the wake's reconcile created after the delete's cleanup is the sweep's to remove.
  await waitFor("the workspace to own nothing", async () => {
    await reconcileWorkspace(depsAt(), await load(id), {
      servers: await serversOf(id),
      records: await recordsOf(id),
    });
    return (await serversOf(id)).length === 0 && (await recordsOf(id)).length === 0;
  });
  expect(await snapshotRow(sid)).toBeUndefined();
  expect(await objectKeys(`ws/${id}/`)).toEqual([]);
  await expectInvariants();
}

describe("wake: a new VM restores the snapshot", () => {
  it("wakes an asleep workspace: the bootstrap names the snapshot and the parts come back byte for byte", async () => {
    const cookie = await signIn(freshLogin("waker"));
    const archive = randomBytes(150_000);
    const { id, sid, oldToken } = await asleepWorkspace(cookie, archive);
    const res = await post(cookie, `/api/workspaces/${id}/wake`);
    expect(res.status).toBe(202);
    expect(["waking", "provisioning"]).toContain(((await res.json()) as { state: string }).state);
    const booting = await waitForState(id, "booting");
    // The old VM's token opens nothing of the new one.
    expect((await vmRequest(`${id}/snapshots/${sid}`, oldToken)).status).toBe(401);
    const boot = await bootstrapWake(id, booting.serverId ?? 0);
    expect(boot.restore).toEqual({ snapshot_id: sid });
    const token = boot.callback_token;
    const manifest = (await (await vmRequest(`${id}/snapshots/${sid}`, token)).json()) as {
      parts: Array<{ n: number }>;
      sha256: string;
    };
    const chunks: Uint8Array[] = [];
    for (const p of manifest.parts) {
      const part = await vmRequest(`${id}/snapshots/${sid}/parts/${p.n}`, token);
      expect(part.status).toBe(200);
      chunks.push(new Uint8Array(await part.arrayBuffer()));
    }
    const restored = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      restored.set(c, at);
      at += c.length;
    }
    expect(await sha256(restored)).toBe(manifest.sha256);
    expect(restored).toEqual(archive);
    expect((await vmCall(id, "ready", token, { runtime: "host" })).status).toBe(200);
    const ws = await load(id);
    expect(ws).toMatchObject({ state: "ready", asleepAt: null, restoreSnapshotId: null });
    expect((await snapshotRow(sid))?.expiresAt).toBeNull();
    expect((await post(cookie, `/api/workspaces/${id}/wake`)).status).toBe(409);
  });

  it("a woken workspace shows nothing the old VM reported: no idle warning, ports or git status", async () => {
    const cookie = await signIn(freshLogin("stale"));
    const { id, callbackToken } = await readyWorkspace(cookie);
    const shutdownAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const beat = await vmCall(id, "heartbeat", callbackToken, {
      ...heartbeat,
      idle: { idle_seconds: 1800, warning: true, shutdown_at: shutdownAt },
      ports: [{ port: 3000, process: "node", first_seen_at: new Date().toISOString() }],
      git: { branch: "feature/old", ahead: 2, pushed: false },
    });
    expect(beat.status).toBe(200);
    const put = await api(`/api/workspaces/${id}/ports/3000`, {
      method: "PUT",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ visibility: "public" }),
    });
    expect(put.status).toBe(200);
    const sid = await uploadSnapshot(id, callbackToken, "sleep", randomBytes(500));
    expect((await vmCall(id, "shutdown", callbackToken, { reason: "idle", snapshot_id: sid })).status).toBe(
      202,
    );
    await waitFor("the old VM to go", async () => (await serversOf(id)).length === 0);
    expect((await post(cookie, `/api/workspaces/${id}/wake`)).status).toBe(202);
    type View = {
      agent: { idle_warning: boolean; idle_shutdown_at: string | null };
      git: {
        branch: string | null;
        ahead: number | null;
        pushed: boolean | null;
        reported_at: string | null;
      };
    };
    const show = async () => {
      const view = (await (await api(`/api/workspaces/${id}`, { headers: { cookie } })).json()) as View;
      const ports = (await (await api(`/api/workspaces/${id}/ports`, { headers: { cookie } })).json()) as {
        ports: unknown[];
      };
      return { agent: view.agent, git: view.git, ports: ports.ports };
    };
    const fresh = {
      agent: expect.objectContaining({ idle_warning: false, idle_shutdown_at: null }),
      git: expect.objectContaining({ branch: null, ahead: null, pushed: null, reported_at: null }),
      ports: [],
    };
    expect(await show()).toEqual(fresh);
    const booting = await waitForState(id, "booting");
    const { callback_token: token } = await bootstrapWake(id, booting.serverId ?? 0);
    expect((await vmCall(id, "ready", token, { runtime: "host" })).status).toBe(200);
    expect(await show()).toEqual(fresh);
    // The new VM reports the port listening again: the owner's choice of visibility still holds.
    const again = await vmCall(id, "heartbeat", token, {
      ...heartbeat,
      ports: [{ port: 3000, process: "node", first_seen_at: new Date().toISOString() }],
    });
    expect(((await again.json()) as { public_ports: number[] }).public_ports).toEqual([3000]);
  });

  it("fails a wake from a corrupted snapshot clearly, keeps the snapshot, and goes back to asleep", async () => {
    const cookie = await signIn(freshLogin("corrupt"));
    const { id, sid } = await asleepWorkspace(cookie, randomBytes(2000));
    const key = partKey(id, sid, 0);
    const stored = new Uint8Array(
      (await (await env.SNAPSHOTS?.get(key))?.arrayBuffer()) ?? new ArrayBuffer(0),
    );
    stored[100] = (stored[100] ?? 0) ^ 0xff;
    await env.SNAPSHOTS?.put(key, stored);

    expect((await post(cookie, `/api/workspaces/${id}/wake`)).status).toBe(202);
    const booting = await waitForState(id, "booting");
    const { callback_token: token } = await bootstrapWake(id, booting.serverId ?? 0);
    const part = await vmRequest(`${id}/snapshots/${sid}/parts/0`, token);
    expect(part.status).toBe(422);
    const { error } = (await part.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("snapshot_corrupt");
    expect(error.message).toContain("AES-GCM");
    const ws = await load(id);
    expect(ws.state).toBe("asleep");
    expect(ws.stateReason).toContain("wake failed");
    expect(ws.stateReason).toContain("the snapshot is kept");
    expect(ws.stateReason).toContain("is corrupted (part 0 failed its AES-GCM authentication");
    expect((await snapshotRow(sid))?.state).toBe("verified");
    // Its retention runs again, still counted from when it first fell asleep.
    expect((await snapshotRow(sid))?.expiresAt?.getTime()).toBe(
      (ws.asleepAt?.getTime() ?? 0) + 30 * 86_400_000,
    );
    expect(await snapshotObjects(id, sid)).toHaveLength(1);
    await waitFor("the new VM to go", async () => (await serversOf(id)).length === 0);
    expect(await recordsOf(id)).toEqual([]);
    await expectInvariants();
  });

  it("a wake racing a delete: the delete wins and nothing is left behind", async () => {
    const cookie = await signIn(freshLogin("race"));
    const { id, sid } = await asleepWorkspace(cookie, randomBytes(4000));
    const [woke, deleted] = await Promise.all([
      post(cookie, `/api/workspaces/${id}/wake`),
      api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } }),
    ]);
    expect([202, 409]).toContain(woke.status);
    expect(deleted.status).toBe(202);
    await deletedLeavingNothing(id, sid);
  });

  it("a delete right after a wake began wins too: nothing is left behind", async () => {
    const cookie = await signIn(freshLogin("race2"));
    const { id, sid, oldToken } = await asleepWorkspace(cookie, randomBytes(4000));
    // The old VM's token reads nothing of an asleep workspace.
    expect((await vmRequest(`${id}/snapshots/${sid}`, oldToken)).status).toBe(404);
    expect((await post(cookie, `/api/workspaces/${id}/wake`)).status).toBe(202);
    expect((await api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } })).status).toBe(202);
    await deletedLeavingNothing(id, sid);
  });

  it("a stop during a wake cancels it: back to asleep, snapshot kept", async () => {
    const cookie = await signIn(freshLogin("cancel"));
    const { id, sid } = await asleepWorkspace(cookie, randomBytes(1000));
    expect((await post(cookie, `/api/workspaces/${id}/wake`)).status).toBe(202);
    await waitForState(id, "booting");
    const stop = await post(cookie, `/api/workspaces/${id}/stop`);
    expect(((await stop.json()) as { state: string }).state).toBe("asleep");
    await waitFor("the new VM to go", async () => (await serversOf(id)).length === 0);
    expect((await snapshotRow(sid))?.state).toBe("verified");
  });
});

describe("retention and orphans", () => {
  it("deletes an asleep workspace and its snapshots once retention is over; the dashboard warns 3 days before", async () => {
    const cookie = await signIn(freshLogin("retain"));
    const { id, sid } = await asleepWorkspace(cookie, randomBytes(1000));
    const day = 86_400_000;
    const { sleepView } = await import("../src/workspaces/sleep-view.ts");
    const ws = await load(id);
    const row = await snapshotRow(sid);
    if (!row) throw new Error("the snapshot is gone");
    const stored = [row];
    expect(sleepView(ws, stored, depsAt().settings, Date.now() + 26 * day)?.expires_soon).toBe(false);
    expect(sleepView(ws, stored, depsAt().settings, Date.now() + 28 * day)?.expires_soon).toBe(true);

    await reconcileWorkspace(depsAt(29 * day), ws);
    expect((await load(id)).state).toBe("asleep");
    const { sweepSnapshots } = await import("../src/snapshots/sweep.ts");
    await reconcileWorkspace(depsAt(31 * day), await load(id));
    expect((await load(id)).state).toBe("deleted");
    const timeline = await (await api(`/api/workspaces/${id}/events`, { headers: { cookie } })).text();
    expect(timeline).toContain("asleep → stopping: asleep for over 30 days: its snapshots expired");
    expect(await snapshotRow(sid)).toBeUndefined();
    expect(await snapshotObjects(id, sid)).toEqual([]);
    await sweepSnapshots(depsAt(31 * day));
  });

  it("keeps snapshots for the days a workspace was created with", async () => {
    const cookie = await signIn(freshLogin("shortkeep"));
    const { res, body } = await createWorkspace(cookie, { snapshot_retention_days: 2 });
    expect(res.status).toBe(201);
    expect((await load(body.id)).snapshotRetentionDays).toBe(2);
    const bad = await createWorkspace(cookie, { snapshot_retention_days: 0 });
    expect(bad.res.status).toBe(422);
    await api(`/api/workspaces/${body.id}`, { method: "DELETE", headers: { cookie } });
    await waitForState(body.id, "deleted");
  });

  it("sweeps expired snapshot rows and R2 objects no snapshot owns, sparing uploads in flight", async () => {
    const { sweepSnapshots } = await import("../src/snapshots/sweep.ts");
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("orphans")));
    const kept = await uploadSnapshot(id, callbackToken, "checkpoint", randomBytes(1000));
    await env.SNAPSHOTS?.put(`ws/${id}/snobody/0`, randomBytes(10));
    await env.SNAPSHOTS?.put("stray-object", randomBytes(10));
    const young = await sweepSnapshots(depsAt());
    expect(young.orphanObjects).not.toContain(`ws/${id}/snobody/0`);
    const report = await sweepSnapshots(depsAt(2 * 3_600_000));
    expect(report.orphanObjects).toEqual(expect.arrayContaining([`ws/${id}/snobody/0`, "stray-object"]));
    expect(await objectKeys(`ws/${id}/snobody/`)).toEqual([]);
    expect(await snapshotObjects(id, kept)).toHaveLength(1);

    // An expired row goes with its objects.
    await depsAt().db.run(
      (await import("drizzle-orm"))
        .sql`update snapshots set expires_at = ${Date.now() - 1000} where id = ${kept}`,
    );
    const expired = await sweepSnapshots(depsAt());
    expect(expired.expired).toContain(kept);
    expect(await snapshotObjects(id, kept)).toEqual([]);
  });
});
