/** `/v1/firewalls` of the Hetzner stand-in, in Hetzner's wire format. */
import { isRecord, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import { validateFirewallInput, validateResources, validateRules } from "./firewalls.ts";
import { matchesRequirements, validLabelKey, validLabelValue } from "./label-selector.ts";
import { hetznerError, labelRequirements, listResponse } from "./routes.ts";
import type { HetznerState } from "./state.ts";
import type { FieldError } from "./validate.ts";

function invalid(fields: FieldError[]): ServiceResponse {
  const names = [...new Set(fields.map((f) => f.name))];
  return hetznerError(
    400,
    "invalid_input",
    `invalid input in field${names.length > 1 ? "s" : ""} ${names.map((n) => `'${n}'`).join(", ")}`,
    { fields },
  );
}

const notFound = (id: number) => hetznerError(404, "not_found", `firewall with ID '${id}' not found`);

function list(state: HetznerState, url: URL): ServiceResponse {
  const reqs = labelRequirements(url);
  if ("status" in reqs) return reqs;
  const name = url.searchParams.get("name");
  const all = state.firewalls
    .list()
    .filter((f) => matchesRequirements(f.labels, reqs.requirements) && (name === null || f.name === name));
  return listResponse("firewalls", all, url);
}

function create(state: HetznerState, body: unknown): ServiceResponse {
  if (!isRecord(body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  const v = validateFirewallInput(body);
  if (!v.ok) return invalid(v.fields);
  if (state.firewalls.nameTaken(v.input.name))
    return hetznerError(409, "uniqueness_error", "firewall name is already used", {
      fields: [{ name: "name" }],
    });
  const missing = v.input.serverIds.find((id) => !state.getServer(id));
  if (missing !== undefined)
    return hetznerError(422, "firewall_resource_not_found", `server with ID '${missing}' not found`);
  const fw = state.firewalls.create(v.input);
  const actions = v.input.serverIds.map((sid) => state.firewallAction("apply_firewall", fw.id, sid));
  return { status: 201, json: { firewall: state.firewalls.get(fw.id), actions } };
}

function update(state: HetznerState, id: number, body: unknown): ServiceResponse {
  if (!isRecord(body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  if (!state.firewalls.get(id)) return notFound(id);
  const { name, labels } = body;
  const badLabels =
    labels !== undefined &&
    (!isRecord(labels) ||
      Object.entries(labels).some(
        ([k, v]) => !validLabelKey(k) || typeof v !== "string" || !validLabelValue(v),
      ));
  if ((name !== undefined && (typeof name !== "string" || name === "")) || badLabels)
    return invalid([{ name: badLabels ? "labels" : "name", messages: ["Invalid value."] }]);
  const firewall = state.firewalls.update(id, {
    ...(typeof name === "string" ? { name } : {}),
    ...(isRecord(labels) ? { labels: labels as Record<string, string> } : {}),
  });
  return { status: 200, json: { firewall } };
}

function action(state: HetznerState, id: number, name: string, body: unknown): ServiceResponse {
  if (!isRecord(body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  if (!state.firewalls.get(id)) return notFound(id);
  const fields: FieldError[] = [];
  if (name === "set_rules") {
    if (!Array.isArray(body.rules))
      return invalid([{ name: "rules", messages: ["Missing data for required field."] }]);
    const rules = validateRules(body.rules, fields);
    if (fields.length > 0) return invalid(fields);
    state.firewalls.setRules(id, rules);
    const applied = state.firewalls.get(id)?.applied_to ?? [];
    const actions = [
      state.firewallAction("set_firewall_rules", id, null),
      ...applied.map((r) => state.firewallAction("apply_firewall", id, r.server.id)),
    ];
    return { status: 201, json: { actions } };
  }
  const applying = name === "apply_to_resources";
  const field = applying ? "apply_to" : "remove_from";
  if (!Array.isArray(body[field]))
    return invalid([{ name: field, messages: ["Missing data for required field."] }]);
  const ids = validateResources(body[field], field, fields);
  if (fields.length > 0) return invalid(fields);
  for (const sid of ids) {
    if (!state.getServer(sid))
      return hetznerError(422, "firewall_resource_not_found", `server with ID '${sid}' not found`);
    if (applying && state.firewalls.isApplied(id, sid))
      return hetznerError(422, "firewall_already_applied", `firewall already applied to server ${sid}`);
    if (!applying && !state.firewalls.isApplied(id, sid))
      return hetznerError(422, "firewall_already_removed", `firewall already removed from server ${sid}`);
  }
  const actions = ids.map((sid) => {
    if (applying) state.firewalls.apply(id, sid);
    else state.firewalls.remove(id, sid);
    return state.firewallAction(applying ? "apply_firewall" : "remove_firewall", id, sid);
  });
  return { status: 201, json: { actions } };
}

/** Handles a `/v1/firewalls...` request; null when the path is not a firewall route. */
export function firewallRoute(state: HetznerState, req: ServiceRequest): ServiceResponse | null {
  const am = /^\/v1\/firewalls\/(\d+)\/actions\/([a-z_]+)\/?$/.exec(req.path);
  if (am?.[1] && am[2]) {
    if (req.method !== "POST") return hetznerError(404, "not_found", "not found");
    if (!["apply_to_resources", "remove_from_resources", "set_rules"].includes(am[2]))
      return hetznerError(404, "not_found", "not found");
    return action(state, Number(am[1]), am[2], req.body);
  }
  const m = /^\/v1\/firewalls(?:\/([^/]+))?\/?$/.exec(req.path);
  if (!m) return null;
  if (m[1] === undefined) {
    if (req.method === "GET") return list(state, req.url);
    if (req.method === "POST") return create(state, req.body);
    return hetznerError(404, "not_found", "not found");
  }
  if (!/^\d+$/.test(m[1])) return hetznerError(404, "not_found", "not found");
  const id = Number(m[1]);
  switch (req.method) {
    case "GET": {
      const firewall = state.firewalls.get(id);
      return firewall ? { status: 200, json: { firewall } } : notFound(id);
    }
    case "PUT":
      return update(state, id, req.body);
    case "DELETE": {
      if (!state.firewalls.get(id)) return notFound(id);
      if (!state.firewalls.delete(id))
        return hetznerError(422, "resource_in_use", "firewall is still applied to resources");
      return { status: 204 };
    }
    default:
      return hetznerError(404, "not_found", "not found");
  }
}
