import {
  bearerToken,
  isRecord,
  JSON_ERROR,
  type ServiceRequest,
  type ServiceResponse,
} from "../http-util.ts";
import type { BucketMap } from "../rate-limit.ts";
import type { ServiceDef } from "../service.ts";
import type { CloudflareState, DnsRecord, Zone } from "./state.ts";
import { validateRecord } from "./validate.ts";

export interface CloudflareServiceOptions {
  state: CloudflareState;
  token: string;
  buckets: BucketMap;
}

export function cfError(status: number, code: number, message: string, headers?: Record<string, string>) {
  const res: ServiceResponse = {
    status,
    json: { success: false, errors: [{ code, message }], messages: [], result: null },
  };
  if (headers) res.headers = headers;
  return res;
}

function ok(result: unknown, status = 200, resultInfo?: unknown): ServiceResponse {
  const body: Record<string, unknown> = { success: true, errors: [], messages: [], result };
  if (resultInfo) body.result_info = resultInfo;
  return { status, json: body };
}

function zoneObject(z: Zone) {
  return {
    id: z.id,
    name: z.name,
    status: "active",
    paused: false,
    type: "full",
    development_mode: 0,
    name_servers: ["ns1.localhost", "ns2.localhost"],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: "2026-01-01T00:00:00.000000Z",
    modified_on: "2026-01-01T00:00:00.000000Z",
    activated_on: "2026-01-01T00:00:00.000000Z",
    meta: { step: 4, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: null, type: "user", email: null },
    account: { id: "0123456789abcdef0123456789abcdef", name: "Local account" },
    permissions: ["#dns_records:edit", "#dns_records:read", "#zone:read"],
    plan: { id: "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", name: "Free Website", price: 0, currency: "USD" },
  };
}

function paged<T>(items: T[], url: URL): ServiceResponse {
  const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
  const perPage = Math.min(
    5000000,
    Math.max(1, Number.parseInt(url.searchParams.get("per_page") ?? "100", 10) || 100),
  );
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return ok(slice, 200, {
    page,
    per_page: perPage,
    count: slice.length,
    total_count: items.length,
    total_pages: Math.ceil(items.length / perPage),
  });
}

type Pred = (r: DnsRecord) => boolean;

/** Builds the filter predicates for name / content / comment (exact, contains, startswith, endswith). */
function recordFilters(q: URLSearchParams): Pred[] {
  const preds: Pred[] = [];
  const text = (field: "name" | "content" | "comment", r: DnsRecord) => r[field] ?? "";
  for (const field of ["name", "content", "comment"] as const) {
    const fold = field === "name" ? (s: string) => s.toLowerCase().replace(/\.$/, "") : (s: string) => s;
    for (const key of [field, `${field}.exact`]) {
      const v = q.get(key);
      if (v !== null) preds.push((r) => fold(text(field, r)) === fold(v));
    }
    const ops: Array<[string, (a: string, b: string) => boolean]> = [
      ["contains", (a, b) => a.includes(b)],
      ["startswith", (a, b) => a.startsWith(b)],
      ["endswith", (a, b) => a.endsWith(b)],
    ];
    for (const [op, fn] of ops) {
      const v = q.get(`${field}.${op}`);
      if (v !== null) preds.push((r) => fn(text(field, r).toLowerCase(), v.toLowerCase()));
    }
  }
  if (q.has("comment.present")) preds.push((r) => r.comment !== null);
  if (q.has("comment.absent")) preds.push((r) => r.comment === null);
  const type = q.get("type");
  if (type !== null) preds.push((r) => r.type === type.toUpperCase());
  const proxied = q.get("proxied");
  if (proxied !== null) preds.push((r) => String(r.proxied) === proxied);
  for (const tag of q.getAll("tag")) preds.push((r) => r.tags.includes(tag));
  return preds;
}

function listRecords(state: CloudflareState, zone: Zone, url: URL): ServiceResponse {
  const q = url.searchParams;
  const preds = recordFilters(q);
  const any = q.get("match") === "any";
  let items = state
    .list(zone.id)
    .filter((r) => preds.length === 0 || (any ? preds.some((p) => p(r)) : preds.every((p) => p(r))));
  const order = q.get("order") as keyof DnsRecord | null;
  if (order && ["type", "name", "content", "ttl", "proxied"].includes(order)) {
    const dir = q.get("direction") === "desc" ? -1 : 1;
    items = [...items].sort((a, b) =>
      String(a[order]) < String(b[order]) ? -dir : String(a[order]) > String(b[order]) ? dir : 0,
    );
  }
  return paged(items, url);
}

function writeRecord(state: CloudflareState, zone: Zone, req: ServiceRequest, id?: string): ServiceResponse {
  if (!isRecord(req.body)) return cfError(400, 9207, "Request body is invalid.");
  const existing = id === undefined ? undefined : state.get(zone.id, id);
  if (id !== undefined && !existing) return cfError(404, 81044, "Record does not exist.");
  const input = validateRecord(req.body, zone, req.method === "PATCH" ? existing : undefined);
  if ("code" in input) return cfError(400, input.code, input.message);
  if (state.findIdentical(zone.id, input, id))
    return cfError(400, 81058, "An identical record already exists.");
  if (state.findCnameConflict(zone.id, input, id))
    return cfError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.");
  if (id === undefined) return ok(state.create(zone, input));
  return ok(state.update(zone.id, id, input));
}

function route(opts: CloudflareServiceOptions, req: ServiceRequest): ServiceResponse {
  const { state } = opts;
  const m = /^\/client\/v4\/zones(?:\/([^/]+)(?:\/(dns_records)(?:\/([^/]+))?)?)?\/?$/.exec(req.path);
  if (!m) return cfError(404, 7000, "No route for that URI");
  const [, zoneId, sub, recordId] = m;
  if (zoneId === undefined) {
    if (req.method !== "GET") return cfError(405, 10000, "Method not allowed");
    const name = req.url.searchParams.get("name");
    return paged(
      name === null ? state.zones : state.zones.filter((z) => z.name === name.toLowerCase()),
      req.url,
    );
  }
  const zone = state.zone(zoneId);
  if (!zone)
    return cfError(
      404,
      7003,
      `Could not route to /zones/${zoneId}, perhaps your object identifier is invalid?`,
    );
  if (sub === undefined)
    return req.method === "GET" ? ok(zoneObject(zone)) : cfError(405, 10000, "Method not allowed");
  if (recordId === undefined) {
    if (req.method === "GET") return listRecords(state, zone, req.url);
    if (req.method === "POST") return writeRecord(state, zone, req);
    return cfError(405, 10000, "Method not allowed");
  }
  switch (req.method) {
    case "GET": {
      const r = state.get(zone.id, recordId);
      return r ? ok(r) : cfError(404, 81044, "Record does not exist.");
    }
    case "DELETE":
      return state.delete(zone.id, recordId)
        ? ok({ id: recordId })
        : cfError(404, 81044, "Record does not exist.");
    case "PATCH":
    case "PUT":
      return writeRecord(state, zone, req, recordId);
    default:
      return cfError(405, 10000, "Method not allowed");
  }
}

export function cloudflareService(opts: CloudflareServiceOptions): ServiceDef {
  return {
    name: "cloudflare",
    handle(req) {
      const token = bearerToken(req.headers);
      if (token !== opts.token) return cfError(403, 10000, "Authentication error");
      const r = opts.buckets.get(token).take();
      if (!r.ok)
        return cfError(429, 971, "Please wait and consider throttling your request speed", {
          "Retry-After": String(r.retryAfter),
        });
      if (req.body === JSON_ERROR) return cfError(400, 9207, "Request body is invalid.");
      return route(opts, req);
    },
    faultResponse(status) {
      if (status === 429)
        return cfError(429, 971, "Please wait and consider throttling your request speed", {
          "Retry-After": "1",
        });
      if (status === 403 || status === 401) return cfError(status, 10000, "Authentication error");
      if (status === 404) return cfError(404, 81044, "Record does not exist.");
      if (status >= 500) return cfError(status, 10001, "Internal error, please try again later.");
      return cfError(status, 1004, "DNS Validation Error");
    },
    reset() {
      opts.state.reset();
      opts.buckets.reset();
    },
    dump() {
      return opts.state.dump();
    },
  };
}
