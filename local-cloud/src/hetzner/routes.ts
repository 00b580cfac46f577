import {
  bearerToken,
  isRecord,
  JSON_ERROR,
  type ServiceRequest,
  type ServiceResponse,
} from "../http-util.ts";
import type { TokenBucket } from "../rate-limit.ts";
import type { ServiceDef } from "../service.ts";
import { LOCATIONS, SERVER_TYPES } from "./catalog.ts";
import { firewallRoute } from "./firewall-routes.ts";
import { createImage, imageRoute } from "./image-routes.ts";
import {
  matchesRequirements,
  parseLabelSelector,
  type Requirement,
  validLabelKey,
  validLabelValue,
} from "./label-selector.ts";
import type { HetznerServer, HetznerState, ServerStatus } from "./state.ts";
import { validateCreateServer, validHostname } from "./validate.ts";

export interface HetznerServiceOptions {
  state: HetznerState;
  token: string;
  bucket: TokenBucket;
  defaultLocation?: string;
}

const ERROR_CODES: Record<number, string> = {
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  412: "precondition",
  422: "invalid_input",
  423: "locked",
  429: "rate_limit_exceeded",
  500: "server_error",
  502: "server_error",
  503: "unavailable",
  504: "timeout",
};

const ERROR_MESSAGES: Record<string, string> = {
  unauthorized: "unable to authenticate",
  forbidden: "insufficient permissions",
  not_found: "not found",
  rate_limit_exceeded: "limit of 3600 requests per hour reached",
  server_error: "internal server error",
  unavailable: "service unavailable",
  timeout: "request timed out",
  locked: "resource is locked",
  conflict: "conflict",
  invalid_input: "invalid input",
};

export function hetznerError(
  status: number,
  code: string,
  message: string,
  details?: unknown,
): ServiceResponse {
  return { status, json: { error: details === undefined ? { code, message } : { code, message, details } } };
}

function paginationMeta(page: number, perPage: number, total: number) {
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  return {
    pagination: {
      page,
      per_page: perPage,
      previous_page: page > 1 ? page - 1 : null,
      next_page: page < lastPage ? page + 1 : null,
      last_page: lastPage,
      total_entries: total,
    },
  };
}

/** Parses page/per_page (Hetzner: per_page default 25, max 50). */
function pageParams(url: URL): { page: number; perPage: number } | ServiceResponse {
  const page = url.searchParams.get("page") ?? "1";
  const perPage = url.searchParams.get("per_page") ?? "25";
  if (!/^\d+$/.test(page) || Number(page) < 1)
    return hetznerError(400, "invalid_input", "invalid input in field 'page'", {
      fields: [{ name: "page", messages: ["Must be greater than or equal to 1."] }],
    });
  if (!/^\d+$/.test(perPage) || Number(perPage) < 1)
    return hetznerError(400, "invalid_input", "invalid input in field 'per_page'", {
      fields: [{ name: "per_page", messages: ["Must be greater than or equal to 1."] }],
    });
  return { page: Number(page), perPage: Math.min(50, Number(perPage)) };
}

export function listResponse(key: string, all: unknown[], url: URL): ServiceResponse {
  const p = pageParams(url);
  if ("status" in p) return p;
  const items = all.slice((p.page - 1) * p.perPage, p.page * p.perPage);
  return { status: 200, json: { [key]: items, meta: paginationMeta(p.page, p.perPage, all.length) } };
}

/** The `label_selector` query parameter, parsed; a 400 answer when it is malformed. */
export function labelRequirements(url: URL): { requirements: Requirement[] } | ServiceResponse {
  const selector = url.searchParams.get("label_selector");
  if (selector === null) return { requirements: [] };
  try {
    return { requirements: parseLabelSelector(selector) };
  } catch (e) {
    return hetznerError(400, "invalid_input", `label_selector: ${(e as Error).message}`, {
      fields: [{ name: "label_selector", messages: [(e as Error).message] }],
    });
  }
}

function listServers(state: HetznerState, url: URL): ServiceResponse {
  const parsed = labelRequirements(url);
  if ("status" in parsed) return parsed;
  const reqs = parsed.requirements;
  const name = url.searchParams.get("name");
  const statuses = url.searchParams.getAll("status");
  const servers = state
    .listServers()
    .filter(
      (s: HetznerServer) =>
        matchesRequirements(s.labels, reqs) &&
        (name === null || s.name === name) &&
        (statuses.length === 0 || statuses.includes(s.status)),
    );
  return listResponse("servers", servers, url);
}

function createServer(opts: HetznerServiceOptions, req: ServiceRequest): ServiceResponse {
  if (!isRecord(req.body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  const v = validateCreateServer(req.body, opts.defaultLocation ?? "fsn1", opts.state.images);
  if (!v.ok) {
    const names = [...new Set(v.fields.map((f) => f.name))];
    return hetznerError(
      400,
      "invalid_input",
      `invalid input in field${names.length > 1 ? "s" : ""} ${names.map((n) => `'${n}'`).join(", ")}`,
      { fields: v.fields },
    );
  }
  const missing = v.input.firewalls.find((id) => !opts.state.firewalls.get(id));
  if (missing !== undefined) {
    return hetznerError(400, "invalid_input", `firewall with ID '${missing}' not found`, {
      fields: [{ name: "firewalls", messages: [`firewall with ID '${missing}' not found`] }],
    });
  }
  if (opts.state.serverCount() >= opts.state.limits.servers) {
    return hetznerError(403, "resource_limit_exceeded", "server limit exceeded", {
      limits: [{ name: "server_count" }],
    });
  }
  if (opts.state.nameTaken(v.input.name)) {
    return hetznerError(409, "uniqueness_error", "server name is already used", {
      fields: [{ name: "name" }],
    });
  }
  const { server, actionId } = opts.state.createServer(v.input);
  return {
    status: 201,
    json: { server, action: opts.state.getAction(actionId), next_actions: [], root_password: null },
  };
}

const POWER: Record<string, [string, ServerStatus]> = {
  poweroff: ["stop_server", "off"],
  shutdown: ["shutdown_server", "off"],
  poweron: ["start_server", "running"],
  reboot: ["reboot_server", "running"],
  reset: ["reset_server", "running"],
};

function updateServer(state: HetznerState, id: number, req: ServiceRequest): ServiceResponse {
  if (!isRecord(req.body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  if (!state.getServer(id)) return hetznerError(404, "not_found", `server with ID '${id}' not found`);
  const { name, labels } = req.body;
  if (name !== undefined && (typeof name !== "string" || !validHostname(name)))
    return hetznerError(400, "invalid_input", "invalid input in field 'name'", {
      fields: [{ name: "name", messages: ["Must be a valid hostname."] }],
    });
  const badLabels =
    labels !== undefined &&
    (!isRecord(labels) ||
      Object.entries(labels).some(
        ([k, v]) => !validLabelKey(k) || typeof v !== "string" || !validLabelValue(v),
      ));
  if (badLabels)
    return hetznerError(400, "invalid_input", "invalid input in field 'labels'", {
      fields: [{ name: "labels", messages: ["Invalid labels."] }],
    });
  if (typeof name === "string" && name !== state.getServer(id)?.name && state.nameTaken(name))
    return hetznerError(409, "uniqueness_error", "server name is already used", {
      fields: [{ name: "name" }],
    });
  const server = state.updateServer(id, {
    ...(typeof name === "string" ? { name } : {}),
    ...(isRecord(labels) ? { labels: labels as Record<string, string> } : {}),
  });
  return { status: 200, json: { server } };
}

/** GET /actions?id=1&id=2: the actions hcloud's waiters poll (Hetzner lists nothing without an id). */
function listActions(state: HetznerState, url: URL): ServiceResponse {
  const ids = url.searchParams.getAll("id");
  if (ids.some((i) => !/^\d+$/.test(i)))
    return hetznerError(400, "invalid_input", "invalid input in field 'id'", {
      fields: [{ name: "id", messages: ["Not a valid integer."] }],
    });
  const statuses = url.searchParams.getAll("status");
  const actions = ids
    .map((i) => state.getAction(Number(i)))
    .filter((a): a is Record<string, unknown> => a !== undefined)
    .filter((a) => statuses.length === 0 || statuses.includes(a.status as string));
  return listResponse("actions", actions, url);
}

function serverAction(state: HetznerState, serverId: number, actionId: number): ServiceResponse {
  const action = state.getAction(actionId);
  const mine = (action?.resources as Array<{ id: number; type: string }> | undefined)?.some(
    (r) => r.type === "server" && r.id === serverId,
  );
  if (!action || !mine) return hetznerError(404, "not_found", `action with ID '${actionId}' not found`);
  return { status: 200, json: { action } };
}

/**
 * `/__berth/hetzner/...`: what only a test or a simulator can do to the stand-in. `poweroff`
 * stands for the guest powering itself off (the stand-in runs no guest); `images` registers a
 * snapshot made elsewhere (the local VM image); `limits` sets the project's resource limits.
 */
export function hetznerControl(state: HetznerState, req: ServiceRequest): ServiceResponse | undefined {
  const off = /^\/__berth\/hetzner\/servers\/(\d+)\/poweroff$/.exec(req.path);
  if (off?.[1] && req.method === "POST") {
    if (!state.guestPoweredOff(Number(off[1]))) return { status: 404, json: { error: "no such server" } };
    return { status: 200, json: { ok: true } };
  }
  if (req.path === "/__berth/hetzner/images" && req.method === "POST") {
    const b = isRecord(req.body) ? req.body : {};
    const labels = isRecord(b.labels) ? b.labels : {};
    const valid = Object.entries(labels).every(
      ([k, v]) => validLabelKey(k) && typeof v === "string" && validLabelValue(v),
    );
    if (!valid || (b.architecture !== undefined && b.architecture !== "x86" && b.architecture !== "arm"))
      return { status: 400, json: { error: "labels must be Hetzner labels; architecture x86 or arm" } };
    const image = state.registerSnapshot({
      description: typeof b.description === "string" ? b.description : "",
      labels: labels as Record<string, string>,
      architecture: b.architecture === "arm" ? "arm" : "x86",
    });
    return { status: 201, json: { image } };
  }
  if (req.path === "/__berth/hetzner/limits" && req.method === "PUT") {
    const b = isRecord(req.body) ? req.body : {};
    const n = (v: unknown, d: number) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : d);
    state.limits = {
      servers: n(b.servers, state.limits.servers),
      snapshots: n(b.snapshots, state.limits.snapshots),
    };
    return { status: 200, json: { limits: state.limits } };
  }
  return undefined;
}

function route(opts: HetznerServiceOptions, req: ServiceRequest): ServiceResponse {
  const { state } = opts;
  const firewall = firewallRoute(state, req) ?? imageRoute(state, req);
  if (firewall) return firewall;
  const sa = /^\/v1\/servers\/(\d+)\/actions\/(\d+)\/?$/.exec(req.path);
  if (sa?.[1] && sa[2] && req.method === "GET") return serverAction(state, Number(sa[1]), Number(sa[2]));
  const pm = /^\/v1\/servers\/(\d+)\/actions\/([a-z_]+)\/?$/.exec(req.path);
  if (pm?.[1] && pm[2] && req.method === "POST") {
    if (pm[2] === "create_image") return createImage(state, Number(pm[1]), req.body);
    const power = POWER[pm[2]];
    if (!power) return hetznerError(404, "not_found", "not found");
    if (state.isLocked(Number(pm[1]))) return hetznerError(423, "locked", "server is locked");
    const actionId = state.powerAction(Number(pm[1]), power[0], power[1]);
    if (actionId === null) return hetznerError(404, "not_found", `server with ID '${pm[1]}' not found`);
    return { status: 201, json: { action: state.getAction(actionId) } };
  }
  const m = /^\/v1(\/[a-z_]+)(?:\/([^/]+))?\/?$/.exec(req.path);
  if (!m) return hetznerError(404, "not_found", "not found");
  const [, collection, idStr] = m;
  const id = idStr !== undefined && /^\d+$/.test(idStr) ? Number(idStr) : null;
  if (idStr !== undefined && id === null) return hetznerError(404, "not_found", "not found");
  const key = `${req.method} ${collection}${idStr === undefined ? "" : "/:id"}`;
  switch (key) {
    case "GET /servers":
      return listServers(state, req.url);
    case "POST /servers":
      return createServer(opts, req);
    case "GET /servers/:id": {
      const server = state.getServer(id as number);
      if (!server) return hetznerError(404, "not_found", `server with ID '${id}' not found`);
      return { status: 200, json: { server } };
    }
    case "PUT /servers/:id":
      return updateServer(state, id as number, req);
    case "DELETE /servers/:id": {
      const actionId = state.deleteServer(id as number);
      if (actionId === null) return hetznerError(404, "not_found", `server with ID '${id}' not found`);
      return { status: 200, json: { action: state.getAction(actionId) } };
    }
    case "GET /actions":
      return listActions(state, req.url);
    case "GET /actions/:id": {
      const action = state.getAction(id as number);
      if (!action) return hetznerError(404, "not_found", `action with ID '${id}' not found`);
      return { status: 200, json: { action } };
    }
    case "GET /server_types": {
      const name = req.url.searchParams.get("name");
      return listResponse(
        "server_types",
        name ? SERVER_TYPES.filter((t) => t.name === name) : SERVER_TYPES,
        req.url,
      );
    }
    case "GET /server_types/:id": {
      const t = SERVER_TYPES.find((s) => s.id === id);
      if (!t) return hetznerError(404, "not_found", `server_type with ID '${id}' not found`);
      return { status: 200, json: { server_type: t } };
    }
    case "GET /locations": {
      const name = req.url.searchParams.get("name");
      return listResponse("locations", name ? LOCATIONS.filter((l) => l.name === name) : LOCATIONS, req.url);
    }
    case "GET /locations/:id": {
      const l = LOCATIONS.find((s) => s.id === id);
      if (!l) return hetznerError(404, "not_found", `location with ID '${id}' not found`);
      return { status: 200, json: { location: l } };
    }
    default:
      return hetznerError(404, "not_found", "not found");
  }
}

function rateHeaders(r: { limit: number; remaining: number; resetAt: number }): Record<string, string> {
  return {
    "RateLimit-Limit": String(r.limit),
    "RateLimit-Remaining": String(r.remaining),
    "RateLimit-Reset": String(r.resetAt),
  };
}

export function hetznerService(opts: HetznerServiceOptions): ServiceDef {
  return {
    name: "hetzner",
    handle(req) {
      const token = bearerToken(req.headers);
      const r = opts.bucket.take();
      const headers = rateHeaders(r);
      let res: ServiceResponse;
      if (token !== opts.token) res = hetznerError(401, "unauthorized", "unable to authenticate");
      else if (!r.ok)
        res = hetznerError(429, "rate_limit_exceeded", `limit of ${r.limit} requests per hour reached`);
      else if (req.body === JSON_ERROR)
        res = hetznerError(400, "json_error", "Invalid JSON input in your request");
      else res = route(opts, req);
      res.headers = { ...headers, ...res.headers };
      return res;
    },
    faultResponse(status) {
      const code = ERROR_CODES[status] ?? (status >= 500 ? "server_error" : "invalid_input");
      const res = hetznerError(status, code, ERROR_MESSAGES[code] ?? code);
      const peek = opts.bucket.peek();
      res.headers = rateHeaders(status === 429 ? { ...peek, remaining: 0 } : peek);
      return res;
    },
    control: (req) => hetznerControl(opts.state, req),
    reset() {
      opts.state.reset();
      opts.bucket.refillAll();
    },
    dump() {
      return opts.state.dump();
    },
  };
}
