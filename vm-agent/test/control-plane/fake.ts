/** A fake control plane on Bun.serve that scripts its answers per path and records every request. */
export interface Recorded {
  path: string;
  auth: string | null;
  body: unknown;
  /** The raw body (a snapshot part is bytes, not text). */
  bytes: Uint8Array;
  at: number;
}
export type Responder = (req: Recorded, n: number) => Response | Promise<Response>;

export function fakeControlPlane(routes: Record<string, Responder> = {}) {
  const requests: Recorded[] = [];
  const counts = new Map<string, number>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const bytes = new Uint8Array(await req.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const rec = { path, auth: req.headers.get("authorization"), body, bytes, at: Date.now() };
      requests.push(rec);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const kind = path.split("/").pop() ?? "";
      const route = routes[kind];
      return route ? route(rec, n) : Response.json({ ok: true });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    of: (kind: string) => requests.filter((r) => r.path.endsWith(`/${kind}`)),
    stop: () => server.stop(true),
  };
}

/**
 * The snapshot contract at its smallest (routes for fakeControlPlane): snapshot "snap1", one part
 * of up to 1 MiB echoed with its hash, and complete always verified.
 */
export function snapshotRoutes(): Record<string, Responder> {
  return {
    snapshots: () => Response.json({ snapshot_id: "snap1", part_size: 1 << 20, max_bytes: 1 << 30 }),
    "0": (r) =>
      Response.json({
        n: 0,
        size: r.bytes.length,
        sha256: new Bun.CryptoHasher("sha256").update(r.bytes).digest("hex"),
      }),
    complete: () => Response.json({ ok: true }),
  };
}
