import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { type Snapshot, snapshots } from "../../src/db/schema/index.ts";
import { snapshotPrefix } from "../../src/snapshots/store.ts";
import { bootstrapTokenOf, depsAt, readyWorkspace, serversOf, vmCall, waitFor } from "./lifecycle.ts";
import { api } from "./session.ts";

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}

export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function vmRequest(path: string, token: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return api(`/api/vm/workspaces/${path}`, { ...init, headers });
}

export async function startSnapshot(id: string, token: string, kind: "sleep" | "checkpoint") {
  const res = await vmCall(id, "snapshots", token, { kind });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { snapshot_id: string; part_size: number; max_bytes: number };
}

export function putPart(id: string, token: string, sid: string, n: number, bytes: Uint8Array<ArrayBuffer>) {
  return vmRequest(`${id}/snapshots/${sid}/parts/${n}`, token, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
}

export function complete(id: string, token: string, sid: string, body: unknown) {
  return vmCall(id, `snapshots/${sid}/complete`, token, body);
}

/** Splits an archive into parts, uploads each and completes: the agent's whole upload. */
export async function uploadSnapshot(
  id: string,
  token: string,
  kind: "sleep" | "checkpoint",
  archive: Uint8Array<ArrayBuffer>,
  partSize = 100_000,
) {
  const { snapshot_id } = await startSnapshot(id, token, kind);
  const parts = [];
  for (let n = 0, at = 0; at < archive.length || n === 0; n++, at += partSize) {
    const chunk = archive.slice(at, at + partSize);
    const res = await putPart(id, token, snapshot_id, n, chunk);
    expect(res.status, await res.clone().text()).toBe(200);
    parts.push(await res.json());
  }
  const done = await complete(id, token, snapshot_id, {
    size: archive.length,
    sha256: await sha256(archive),
    parts,
  });
  expect(done.status, await done.clone().text()).toBe(200);
  return snapshot_id;
}

export async function objectKeys(prefix: string): Promise<string[]> {
  const listed = await env.SNAPSHOTS?.list({ prefix });
  return (listed?.objects ?? []).map((o) => o.key);
}

export const snapshotObjects = (workspaceId: string, snapshotId: string) =>
  objectKeys(snapshotPrefix(workspaceId, snapshotId));

export async function snapshotRow(id: string): Promise<Snapshot | undefined> {
  const [row] = await depsAt().db.select().from(snapshots).where(eq(snapshots.id, id));
  return row;
}

/** A ready workspace that went to sleep on a verified sleep snapshot of `archive`; VM gone. */
export async function asleepWorkspace(cookie: string, archive: Uint8Array<ArrayBuffer>) {
  const { id, callbackToken } = await readyWorkspace(cookie);
  const sid = await uploadSnapshot(id, callbackToken, "sleep", archive);
  const res = await vmCall(id, "shutdown", callbackToken, { reason: "idle", snapshot_id: sid });
  expect(res.status).toBe(202);
  expect(((await res.json()) as { state: string }).state).toBe("asleep");
  await waitFor(`the VM of ${id} to be deleted`, async () => (await serversOf(id)).length === 0);
  return { id, sid, oldToken: callbackToken };
}

/** Plays the new VM of a wake up to its bootstrap; returns what the bootstrap said. */
export async function bootstrapWake(id: string, serverId: number) {
  const res = await vmCall(id, "bootstrap", await bootstrapTokenOf(serverId));
  expect(res.status).toBe(200);
  return (await res.json()) as { callback_token: string; restore: { snapshot_id: string } | null };
}
