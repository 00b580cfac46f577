/** REST for terminal sessions: `GET/POST /api/sessions`, `GET/DELETE /api/sessions/:id`. */
import type { SessionRegistry } from "../terminal/registry.ts";
import { type CreateSessionRequest, dimensionOr } from "../terminal/wire.ts";
import { badRequest, errorResponse, json, notFound } from "./respond.ts";

const prefix = "/api/sessions";

/** The session id in `/api/sessions/:id[/ws]`, with the rest of the path. */
export function parseSessionPath(pathname: string): { id: string; rest: string } | null {
  if (!pathname.startsWith(`${prefix}/`)) return null;
  const [id = "", ...rest] = pathname.slice(prefix.length + 1).split("/");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return { id, rest: rest.join("/") };
}

export async function handleSessionsApi(
  req: Request,
  url: URL,
  registry: SessionRegistry,
): Promise<Response> {
  if (url.pathname === prefix) {
    if (req.method === "GET") return json(registry.list());
    if (req.method === "POST") {
      const body = await readCreateBody(req);
      if (body instanceof Response) return body;
      return json(registry.create(body).info(), 201);
    }
    return methodNotAllowed();
  }
  const parsed = parseSessionPath(url.pathname);
  if (parsed?.rest !== "") return notFound();
  const session = registry.get(parsed.id);
  if (!session) return notFound("no such session");
  if (req.method === "GET") return json(session.info());
  if (req.method === "DELETE") {
    await registry.delete(parsed.id);
    return new Response(null, { status: 204 });
  }
  return methodNotAllowed();
}

async function readCreateBody(req: Request): Promise<CreateSessionRequest | Response> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return badRequest("body must be JSON");
  }
  if (typeof raw !== "object" || raw === null) return badRequest("body must be an object");
  const r = raw as Record<string, unknown>;
  if (r.name !== undefined && typeof r.name !== "string") return badRequest("name must be a string");
  const out: CreateSessionRequest = {};
  if (typeof r.name === "string") out.name = r.name;
  if (r.cols !== undefined) out.cols = dimensionOr(String(r.cols), 80);
  if (r.rows !== undefined) out.rows = dimensionOr(String(r.rows), 24);
  return out;
}

function methodNotAllowed(): Response {
  return errorResponse(405, "bad_request", "method not allowed");
}
