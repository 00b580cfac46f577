// The sleep/wake walkthrough against the running local system (wrangler dev, local R2): the VM's
// side played over HTTP. A sleep snapshot is uploaded in parts and verified, the VM goes, a wake
// boots a new one whose bootstrap names the snapshot, and its parts come back byte for byte.
import { createHash } from "node:crypto";

export interface SleepSmoke {
  baseUrl: string;
  workspaceId: string;
  callbackToken: string;
  /** The API with the owner's key. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** The Hetzner stand-in's state (servers with their user_data). */
  servers(): Promise<Array<{ id: number; user_data: string; labels: Record<string, string> }>>;
  poll<T>(what: string, probe: () => Promise<T | null>, ms?: number): Promise<T>;
}

async function ok<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export async function smokeSleepWake(s: SleepSmoke): Promise<string[]> {
  const log: string[] = [];
  const vmUrl = (path: string) => `${s.baseUrl}/api/vm/workspaces/${s.workspaceId}/${path}`;
  const vm = (path: string, token: string, init: RequestInit = {}) =>
    fetch(vmUrl(path), { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  const post = (path: string, token: string, body: unknown) =>
    vm(path, token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  const archive = new Uint8Array(300_000).map(() => Math.floor(Math.random() * 256));
  const { snapshot_id: sid } = await ok<{ snapshot_id: string }>(
    await post("snapshots", s.callbackToken, { kind: "sleep" }),
    "create snapshot",
  );
  const parts = [];
  for (let n = 0; n * 128_000 < archive.length; n++) {
    const body = archive.slice(n * 128_000, (n + 1) * 128_000);
    parts.push(
      await ok(
        await vm(`snapshots/${sid}/parts/${n}`, s.callbackToken, { method: "PUT", body }),
        `part ${n}`,
      ),
    );
  }
  await ok(
    await post(`snapshots/${sid}/complete`, s.callbackToken, {
      size: archive.length,
      sha256: sha256(archive),
      parts,
    }),
    "complete",
  );
  const shut = await ok<{ state: string }>(
    await post("shutdown", s.callbackToken, { reason: "idle", snapshot_id: sid }),
    "shutdown",
  );
  if (shut.state !== "asleep") throw new Error(`shutdown left the workspace ${shut.state}`);
  const mine = async () => (await s.servers()).filter((v) => v.labels["berth.workspace"] === s.workspaceId);
  await s.poll("the VM to go", async () => ((await mine()).length === 0 ? true : null));
  log.push(`sleep snapshot ${sid} (${parts.length} parts) verified; asleep, its VM gone`);

  await ok(await s.call(`/api/workspaces/${s.workspaceId}/wake`, { method: "POST" }), "wake");
  const server = await s.poll("the wake's new VM", async () => {
    const d = await ok<{ state: string }>(await s.call(`/api/workspaces/${s.workspaceId}`), "get");
    const [v] = await mine();
    return d.state === "booting" && v ? v : null;
  });
  const bootstrapToken = /bt_[A-Za-z0-9_-]{20,}/.exec(server.user_data)?.[0] ?? "";
  const boot = await ok<{ callback_token: string; restore: { snapshot_id: string } | null }>(
    await post("bootstrap", bootstrapToken, {}),
    "bootstrap after wake",
  );
  if (boot.restore?.snapshot_id !== sid)
    throw new Error(`the bootstrap names ${JSON.stringify(boot.restore)}`);
  const restored: Uint8Array[] = [];
  for (let n = 0; n < parts.length; n++) {
    const res = await vm(`snapshots/${sid}/parts/${n}`, boot.callback_token);
    if (!res.ok) throw new Error(`restore part ${n}: ${res.status} ${await res.text()}`);
    restored.push(new Uint8Array(await res.arrayBuffer()));
  }
  if (sha256(Buffer.concat(restored)) !== sha256(archive)) throw new Error("the restored archive differs");
  log.push(`woke on server ${server.id}: the bootstrap named ${sid} and its parts came back byte for byte`);

  await ok(await s.call(`/api/workspaces/${s.workspaceId}`, { method: "DELETE" }), "delete");
  await s.poll("the workspace to be deleted", async () => {
    const d = await ok<{ state: string }>(await s.call(`/api/workspaces/${s.workspaceId}`), "get");
    return d.state === "deleted" && (await mine()).length === 0 ? true : null;
  });
  log.push("deleted: its VM, DNS records and snapshot are gone");
  return log;
}
