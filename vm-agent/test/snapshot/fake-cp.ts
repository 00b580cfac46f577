/**
 * An in-test control plane that implements the snapshot contract (protocol snapshots.ts) the way
 * the Worker does, minus encryption: parts kept in memory, complete verifies sizes and hashes,
 * manifest and parts served back. Faults are scripted per test.
 */
import { createHash } from "node:crypto";

export interface StoredSnapshot {
  id: string;
  kind: "sleep" | "checkpoint";
  parts: Map<number, Uint8Array>;
  complete: {
    size: number;
    sha256: string;
    parts: Array<{ n: number; size: number; sha256: string }>;
  } | null;
  tooLarge: unknown;
}

export interface Faults {
  /** Answer 500 to the first PUT of these part numbers. */
  failPartOnce?: number[];
  /** Flip a byte of this part when it is served for a restore. */
  corruptPartOnGet?: number;
  /** Serve a manifest whose whole-archive hash is wrong (parts intact). */
  wrongManifestSha?: boolean;
  /** Answer 500 to every POST snapshots (an unreachable control plane, for a while). */
  createDown?: boolean;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const err = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

export function snapshotControlPlane(opts: {
  partSize: number;
  maxBytes: number;
  token: string;
  /** The snapshot a bootstrap names for restore (a wake). */
  restore?: () => string | null;
}) {
  const snapshots = new Map<string, StoredSnapshot>();
  const events: Array<{ kind: string; body: unknown; at: number }> = [];
  const faults: Faults = {};
  const failedOnce = new Set<number>();
  let heartbeatState: string | undefined;
  const waiters: Array<() => void> = [];
  const record = (kind: string, body: unknown) => {
    events.push({ kind, body, at: Date.now() });
    for (const w of waiters.splice(0)) w();
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname.endsWith("/bootstrap")) {
        const restore = opts.restore?.() ?? null;
        record("bootstrap", { restore });
        return Response.json({
          callback_token: opts.token,
          claude_api_key: null,
          restore: restore ? { snapshot_id: restore } : null,
        });
      }
      if (req.headers.get("authorization") !== `Bearer ${opts.token}`)
        return err(401, "unauthorized", "bad token");
      const m = /^\/api\/vm\/workspaces\/([^/]+)\/(.*)$/.exec(url.pathname);
      if (!m) return err(404, "not_found", "no route");
      const rest = m[2] ?? "";
      const json = async () => (await req.json()) as Record<string, unknown>;
      if (req.method === "POST" && rest === "snapshots") {
        if (faults.createDown) {
          record("snapshot-create-failed", null);
          return err(503, "unavailable", "down");
        }
        const body = await json();
        const id = `snap${snapshots.size + 1}`;
        snapshots.set(id, {
          id,
          kind: body.kind as "sleep",
          parts: new Map(),
          complete: null,
          tooLarge: null,
        });
        record("snapshot-created", { id, kind: body.kind });
        return Response.json({ snapshot_id: id, part_size: opts.partSize, max_bytes: opts.maxBytes });
      }
      const s = /^snapshots\/([^/]+)(?:\/(parts\/(\d+)|complete))?$/.exec(rest);
      if (s) {
        const snap = snapshots.get(s[1] ?? "");
        if (!snap) return err(404, "not_found", "no such snapshot");
        const n = s[3] === undefined ? null : Number(s[3]);
        if (req.method === "PUT" && n !== null) {
          if (faults.failPartOnce?.includes(n) && !failedOnce.has(n)) {
            failedOnce.add(n);
            record("part-failed", { n });
            return err(500, "internal", "storage hiccup");
          }
          const bytes = new Uint8Array(await req.arrayBuffer());
          if (bytes.length > opts.partSize) return err(413, "too_large", "part too large");
          snap.parts.set(n, bytes);
          record("part", { id: snap.id, n, size: bytes.length });
          return Response.json({ n, size: bytes.length, sha256: sha(bytes) });
        }
        if (req.method === "POST" && s[2] === "complete") {
          const body = await json();
          if ("biggest" in body) {
            snap.tooLarge = body;
            record("too-large", body);
            return err(422, "snapshot_too_large", "over the cap");
          }
          const parts = body.parts as Array<{ n: number; size: number; sha256: string }>;
          const all = Buffer.concat(parts.map((p) => snap.parts.get(p.n) ?? new Uint8Array()));
          const ok =
            parts.every((p) => {
              const b = snap.parts.get(p.n);
              return b && b.length === p.size && sha(b) === p.sha256;
            }) &&
            all.length === body.size &&
            sha(all) === body.sha256;
          if (!ok) return err(422, "snapshot_mismatch", "sizes or hashes differ");
          snap.complete = body as StoredSnapshot["complete"];
          record("snapshot-verified", { id: snap.id, kind: snap.kind, size: body.size });
          return Response.json({ ok: true });
        }
        if (req.method === "GET" && n !== null) {
          const b = snap.parts.get(n);
          if (!b || !snap.complete) return err(404, "not_found", "no such part");
          const out = new Uint8Array(b);
          if (faults.corruptPartOnGet === n) out[0] = (out[0] ?? 0) ^ 0xff;
          return new Response(out, { headers: { "content-type": "application/octet-stream" } });
        }
        if (req.method === "GET" && !s[2]) {
          if (!snap.complete) return err(404, "not_found", "not verified");
          return Response.json({
            ...snap.complete,
            ...(faults.wrongManifestSha ? { sha256: "0".repeat(64) } : {}),
            snapshot_id: snap.id,
            kind: snap.kind,
            created_at: new Date().toISOString(),
          });
        }
      }
      if (req.method === "POST") {
        const body = await json().catch(() => null);
        record(rest, body);
        if (rest === "heartbeat") return Response.json({ state: heartbeatState, public_ports: [] });
        return Response.json({ ok: true });
      }
      return err(404, "not_found", "no route");
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    snapshots,
    events,
    faults,
    setHeartbeatState(state: string | undefined) {
      heartbeatState = state;
    },
    of: (kind: string) => events.filter((e) => e.kind === kind),
    /** Resolves with the first event matching, waiting for it to arrive. */
    async waitFor(pred: (e: { kind: string; body: unknown }) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no such event; got ${events.map((e) => e.kind).join(", ")}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 1000);
        });
      }
    },
    stop: () => server.stop(true),
  };
}
