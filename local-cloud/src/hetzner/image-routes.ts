/** `/v1/images` and `POST /v1/servers/:id/actions/create_image` of the Hetzner stand-in. */
import { isRecord, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import { parseSort, sortImages } from "./images.ts";
import { matchesRequirements, validLabelKey, validLabelValue } from "./label-selector.ts";
import { hetznerError, labelRequirements, listResponse } from "./routes.ts";
import type { HetznerState } from "./state.ts";

const notFound = (id: number | string) => hetznerError(404, "not_found", `image with ID '${id}' not found`);

function invalidField(name: string, message: string): ServiceResponse {
  return hetznerError(400, "invalid_input", `invalid input in field '${name}'`, {
    fields: [{ name, messages: [message] }],
  });
}

function badLabels(labels: unknown): boolean {
  return (
    labels !== undefined &&
    (!isRecord(labels) ||
      Object.entries(labels).some(
        ([k, v]) => !validLabelKey(k) || typeof v !== "string" || !validLabelValue(v),
      ))
  );
}

function list(state: HetznerState, url: URL): ServiceResponse {
  const reqs = labelRequirements(url);
  if ("status" in reqs) return reqs;
  const q = url.searchParams;
  const sort = parseSort(q.getAll("sort"));
  if (typeof sort === "string") return invalidField("sort", `invalid sort value '${sort}'`);
  const name = q.get("name");
  const types = q.getAll("type");
  const statuses = q.getAll("status");
  const archs = q.getAll("architecture");
  const boundTo = q.getAll("bound_to").map(Number);
  const includeDeprecated = q.get("include_deprecated") === "true";
  const images = state.images
    .list()
    .filter(
      (i) =>
        matchesRequirements(i.labels as Record<string, string>, reqs.requirements) &&
        (name === null || i.name === name) &&
        (types.length === 0 || types.includes(i.type as string)) &&
        (statuses.length === 0 || statuses.includes(i.status as string)) &&
        (archs.length === 0 || archs.includes(i.architecture as string)) &&
        (boundTo.length === 0 || boundTo.includes(i.bound_to as number)) &&
        (includeDeprecated || i.deprecated === null),
    );
  return listResponse("images", sortImages(images, sort), url);
}

function update(state: HetznerState, id: number, body: unknown): ServiceResponse {
  if (!isRecord(body)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  if (!state.images.get(id)) return notFound(id);
  if (!state.images.isSnapshot(id)) return hetznerError(403, "forbidden", "system images cannot be changed");
  const { description, labels, type } = body;
  if (description !== undefined && typeof description !== "string")
    return invalidField("description", "Not a valid string.");
  if (badLabels(labels)) return invalidField("labels", "Invalid labels.");
  if (type !== undefined && type !== "snapshot") return invalidField("type", "Must be one of: snapshot.");
  const image = state.images.update(id, {
    ...(typeof description === "string" ? { description } : {}),
    ...(isRecord(labels) ? { labels: labels as Record<string, string> } : {}),
    ...(type === "snapshot" ? { type } : {}),
  });
  return { status: 200, json: { image } };
}

function remove(state: HetznerState, id: number): ServiceResponse {
  const image = state.images.get(id);
  if (!image) return notFound(id);
  if (!state.images.isSnapshot(id)) return hetznerError(403, "forbidden", "system images cannot be deleted");
  if ((image.protection as { delete?: boolean }).delete)
    return hetznerError(403, "protected", "image is protected against deletion");
  state.images.delete(id);
  return { status: 204, text: "" };
}

/** POST /servers/:id/actions/create_image {description?, type?, labels?}. */
export function createImage(state: HetznerState, serverId: number, body: unknown): ServiceResponse {
  const input = body === undefined ? {} : body;
  if (!isRecord(input)) return hetznerError(400, "json_error", "Invalid JSON input in your request");
  const { description, labels, type } = input;
  if (description !== undefined && description !== null && typeof description !== "string")
    return invalidField("description", "Not a valid string.");
  if (type !== undefined && type !== null && type !== "snapshot" && type !== "backup")
    return invalidField("type", "Must be one of: snapshot, backup.");
  if (badLabels(labels ?? undefined)) return invalidField("labels", "Invalid labels.");
  const result = state.createImage(serverId, {
    description: typeof description === "string" ? description : "",
    type: type === "backup" ? "backup" : "snapshot",
    labels: isRecord(labels) ? (labels as Record<string, string>) : {},
  });
  if (result === "not_found") return hetznerError(404, "not_found", `server with ID '${serverId}' not found`);
  if (result === "locked") return hetznerError(423, "locked", "server is locked");
  if (result === "limit")
    return hetznerError(403, "resource_limit_exceeded", "snapshot limit exceeded", {
      limits: [{ name: "image_count" }],
    });
  return { status: 201, json: { image: result.image, action: state.getAction(result.actionId) } };
}

/** Answers `/v1/images[/:id]`; undefined for any other path. */
export function imageRoute(state: HetznerState, req: ServiceRequest): ServiceResponse | undefined {
  const m = /^\/v1\/images(?:\/([^/]+))?\/?$/.exec(req.path);
  if (!m) return undefined;
  const idStr = m[1];
  if (idStr === undefined) {
    if (req.method === "GET") return list(state, req.url);
    return hetznerError(404, "not_found", "not found");
  }
  if (!/^\d+$/.test(idStr)) return notFound(idStr);
  const id = Number(idStr);
  switch (req.method) {
    case "GET": {
      const image = state.images.get(id);
      return image ? { status: 200, json: { image } } : notFound(id);
    }
    case "PUT":
      return update(state, id, req.body);
    case "DELETE":
      return remove(state, id);
    default:
      return hetznerError(404, "not_found", "not found");
  }
}
