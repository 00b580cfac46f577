import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { partKey } from "../src/snapshots/store.ts";
import { sweepSnapshots } from "../src/snapshots/sweep.ts";
import { putPart as storePart } from "../src/snapshots/upload.ts";
import { depsAt, load, readyWorkspace, vmCall } from "./support/lifecycle.ts";
import { freshLogin, signIn } from "./support/session.ts";
import {
  complete,
  putPart,
  randomBytes,
  sha256,
  snapshotObjects,
  snapshotRow,
  startSnapshot,
  uploadSnapshot,
  vmRequest,
} from "./support/snapshots.ts";

const hour = 3_600_000;

describe("snapshot upload: parts, verification, the size cap", () => {
  it("stores parts encrypted, verifies the whole archive read back from R2, and serves a manifest", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snapup")));
    const created = await startSnapshot(id, callbackToken, "checkpoint");
    expect(created.part_size).toBe(16 * 1024 * 1024);
    expect(created.max_bytes).toBe(2 * 1024 ** 3);

    const archive = randomBytes(250_000);
    const sid = await uploadSnapshot(id, callbackToken, "checkpoint", archive);
    const row = await snapshotRow(sid);
    expect(row).toMatchObject({ state: "verified", size: 250_000, sha256: await sha256(archive), parts: 3 });
    expect(await snapshotObjects(id, sid)).toHaveLength(3);
    const stored = await env.SNAPSHOTS?.get(partKey(id, sid, 0));
    const bytes = new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0));
    expect(bytes.length).toBe(100_000 + 28);
    expect(Buffer.from(bytes).includes(Buffer.from(archive.slice(0, 64)))).toBe(false);

    const manifest = await vmRequest(`${id}/snapshots/${sid}`, callbackToken);
    expect(manifest.status).toBe(200);
    expect(await manifest.json()).toMatchObject({ snapshot_id: sid, kind: "checkpoint", size: 250_000 });
    const part = await vmRequest(`${id}/snapshots/${sid}/parts/2`, callbackToken);
    expect(part.status).toBe(200);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(archive.slice(200_000));
  });

  it("refuses to complete with a part missing or different (409, the upload stays open), then completes", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snapmiss")));
    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "sleep");
    const a = randomBytes(1000);
    const b = randomBytes(500);
    const first = (await (await putPart(id, callbackToken, sid, 0, a)).json()) as { sha256: string };
    expect(first.sha256).toBe(await sha256(a));
    const whole = new Uint8Array([...a, ...b]);
    const body = {
      size: 1500,
      sha256: await sha256(whole),
      parts: [
        { n: 0, size: 1000, sha256: first.sha256 },
        { n: 1, size: 500, sha256: await sha256(b) },
      ],
    };
    const early = await complete(id, callbackToken, sid, body);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({
      error: { code: "snapshot_incomplete", message: expect.stringContaining("part 1 was never stored") },
    });
    expect((await putPart(id, callbackToken, sid, 1, b)).status).toBe(200);
    const done = await complete(id, callbackToken, sid, body);
    expect(done.status).toBe(200);
    // A complete sent again (its response lost) gets the same answer.
    expect((await complete(id, callbackToken, sid, body)).status).toBe(200);
    expect((await putPart(id, callbackToken, sid, 2, b)).status).toBe(409);
  });

  it("voids an upload whose whole-archive hash differs, deleting its objects", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snaphash")));
    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "checkpoint");
    const a = randomBytes(1000);
    await putPart(id, callbackToken, sid, 0, a);
    const res = await complete(id, callbackToken, sid, {
      size: 1000,
      sha256: "0".repeat(64),
      parts: [{ n: 0, size: 1000, sha256: await sha256(a) }],
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "snapshot_corrupt" } });
    expect((await snapshotRow(sid))?.state).toBe("failed");
    expect(await snapshotObjects(id, sid)).toEqual([]);
  });

  it("refuses an archive over the cap with a 422 naming the biggest folders, and keeps nothing", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snapbig")));
    const { snapshot_id: sid, max_bytes } = await startSnapshot(id, callbackToken, "sleep");
    const res = await complete(id, callbackToken, sid, {
      size: max_bytes + 5 * 1024 ** 3,
      max_bytes,
      biggest: [
        { path: "data/fixtures", bytes: 4 * 1024 ** 3 },
        { path: "target/debug", bytes: 2 * 1024 ** 3 },
      ],
    });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("snapshot_too_large");
    expect(error.message).toContain("over the 2.0 GiB cap");
    expect(error.message).toContain("data/fixtures (4.0 GiB)");
    expect(error.message).toContain("target/debug");
    expect((await snapshotRow(sid))?.state).toBe("failed");
    const events = await (await vmRequest(`${id}/snapshots/${sid}`, callbackToken)).json();
    expect(events).toMatchObject({ error: { code: "not_found" } });
  });

  it("fails an upload that passes the cap part by part (never truncating), deleting what it stored", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snapcap")));
    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "checkpoint");
    const base = depsAt();
    const deps = {
      ...base,
      settings: { ...base.settings, snapshots: { ...base.settings.snapshots, maxBytes: 1500 } },
    };
    const ws = await load(id);
    await storePart(deps, ws, sid, 0, randomBytes(1000));
    await expect(storePart(deps, ws, sid, 1, randomBytes(1000))).rejects.toMatchObject({ status: 422 });
    expect((await snapshotRow(sid))?.state).toBe("failed");
    expect(await snapshotObjects(id, sid)).toEqual([]);
  });

  it("leaves no R2 object behind an upload that stops half-way, once the sweep has run", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snaphalf")));
    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "sleep");
    await putPart(id, callbackToken, sid, 0, randomBytes(5000));
    await putPart(id, callbackToken, sid, 1, randomBytes(5000));
    expect(await snapshotObjects(id, sid)).toHaveLength(2);
    // Still within the hour: an upload in flight is left alone.
    await sweepSnapshots(depsAt(10 * 60_000));
    expect(await snapshotObjects(id, sid)).toHaveLength(2);
    const report = await sweepSnapshots(depsAt(2 * hour));
    expect(report.abandoned).toContain(sid);
    expect(await snapshotObjects(id, sid)).toEqual([]);
    expect((await snapshotRow(sid))?.state).toBe("failed");
    // A day later the failed row is gone too.
    await sweepSnapshots(depsAt(26 * hour));
    expect(await snapshotRow(sid)).toBeUndefined();
  });

  it("accepts a part above 64 KiB (the JSON body limit does not apply) but not over part_size", async () => {
    const { id, callbackToken } = await readyWorkspace(await signIn(freshLogin("snapsize")));
    const { snapshot_id: sid } = await startSnapshot(id, callbackToken, "checkpoint");
    expect((await putPart(id, callbackToken, sid, 0, randomBytes(3 * 1024 * 1024))).status).toBe(200);
    expect(
      (await vmCall(id, "progress", callbackToken, { step: "x", message: "y".repeat(70_000) })).status,
    ).toBe(413);
  });
});

describe("snapshots are the workspace's own", () => {
  it("refuses another workspace's callback token for every snapshot route of A, and hides A's ids from B", async () => {
    const a = await readyWorkspace(await signIn(freshLogin("snapa")));
    const b = await readyWorkspace(await signIn(freshLogin("snapb")));
    const archive = randomBytes(2000);
    const sid = await uploadSnapshot(a.id, a.callbackToken, "checkpoint", archive);
    // B's token on A's path: 401 for everything.
    for (const [path, method] of [
      [`${a.id}/snapshots/${sid}`, "GET"],
      [`${a.id}/snapshots/${sid}/parts/0`, "GET"],
      [`${a.id}/snapshots/${sid}/parts/0`, "PUT"],
      [`${a.id}/snapshots`, "POST"],
      [`${a.id}/snapshots/${sid}/complete`, "POST"],
    ] as const) {
      const res = await vmRequest(path, b.callbackToken, {
        method,
        ...(method === "GET" ? {} : { body: method === "PUT" ? "x" : JSON.stringify({ kind: "sleep" }) }),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    // B's token on its own path with A's snapshot id: not found, nothing of A's.
    for (const path of [`${b.id}/snapshots/${sid}`, `${b.id}/snapshots/${sid}/parts/0`]) {
      const res = await vmRequest(path, b.callbackToken);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain(a.id);
    }
    expect((await putPart(b.id, b.callbackToken, sid, 0, randomBytes(10))).status).toBe(404);
    expect((await snapshotRow(sid))?.state).toBe("verified");
  });
});
