/** A fake control plane on Bun.serve that scripts its answers per path and records every request. */
export interface Recorded {
  path: string;
  auth: string | null;
  body: unknown;
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
      const text = await req.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const rec = { path, auth: req.headers.get("authorization"), body, at: Date.now() };
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
