import { findLocation, findServerType, type Location } from "./catalog.ts";
import type { ImageStore } from "./images.ts";
import { validLabelKey, validLabelValue } from "./label-selector.ts";
import type { CreateServerInput } from "./state.ts";

export const USER_DATA_LIMIT = 32768;

export interface FieldError {
  name: string;
  messages: string[];
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function validHostname(name: string): boolean {
  return HOSTNAME.test(name);
}

/** Validates a POST /v1/servers body, returning the input or the per-field errors. */
export function validateCreateServer(
  body: Record<string, unknown>,
  defaultLocation: string,
  images: ImageStore,
): { ok: true; input: CreateServerInput } | { ok: false; fields: FieldError[] } {
  const fields: FieldError[] = [];
  const fail = (name: string, message: string) => fields.push({ name, messages: [message] });

  const name = body.name;
  if (typeof name !== "string" || name === "") fail("name", "Missing data for required field.");
  else if (!validHostname(name)) fail("name", "Must be a valid hostname.");

  let serverType: Record<string, unknown> | undefined;
  if (body.server_type === undefined || body.server_type === null || body.server_type === "")
    fail("server_type", "Missing data for required field.");
  else {
    serverType = findServerType(body.server_type);
    if (!serverType) fail("server_type", `server type '${String(body.server_type)}' not found`);
  }

  let location: Location | undefined;
  if (body.location !== undefined && body.location !== null) {
    location = findLocation(body.location);
    if (!location) fail("location", `location '${String(body.location)}' not found`);
  } else if (body.datacenter !== undefined && body.datacenter !== null) {
    const loc = String(body.datacenter).split("-")[0];
    location = findLocation(loc);
    if (!location) fail("datacenter", `datacenter '${String(body.datacenter)}' not found`);
  } else {
    location = findLocation(defaultLocation);
  }

  let image: Record<string, unknown> | undefined;
  if (body.image === undefined || body.image === null || body.image === "")
    fail("image", "Missing data for required field.");
  else {
    const architecture = (serverType?.architecture as string | undefined) ?? "x86";
    image = images.resolve(body.image, architecture);
    if (!image) fail("image", `image '${String(body.image)}' not found`);
    else if (image.status !== "available") fail("image", `image '${String(body.image)}' is not available`);
    else if (image.architecture !== architecture)
      fail(
        "image",
        `image '${String(body.image)}' is for ${String(image.architecture)}, not ${architecture}`,
      );
  }

  let userData: string | null = null;
  if (body.user_data !== undefined && body.user_data !== null) {
    if (typeof body.user_data !== "string") fail("user_data", "Not a valid string.");
    else if (Buffer.byteLength(body.user_data, "utf8") > USER_DATA_LIMIT)
      fail("user_data", `Length must be at most ${USER_DATA_LIMIT} bytes.`);
    else userData = body.user_data;
  }

  const labels: Record<string, string> = {};
  if (body.labels !== undefined && body.labels !== null) {
    if (typeof body.labels !== "object" || Array.isArray(body.labels))
      fail("labels", "Not a valid mapping type.");
    else {
      for (const [k, v] of Object.entries(body.labels as Record<string, unknown>)) {
        if (!validLabelKey(k)) fail("labels", `label key '${k}' is invalid`);
        else if (typeof v !== "string" || !validLabelValue(v))
          fail("labels", `label value for '${k}' is invalid`);
        else labels[k] = v;
      }
    }
  }

  let startAfterCreate = true;
  if (body.start_after_create !== undefined && body.start_after_create !== null) {
    if (typeof body.start_after_create !== "boolean") fail("start_after_create", "Not a valid boolean.");
    else startAfterCreate = body.start_after_create;
  }

  const firewalls: number[] = [];
  if (body.firewalls !== undefined && body.firewalls !== null) {
    const list = Array.isArray(body.firewalls) ? (body.firewalls as Array<Record<string, unknown>>) : null;
    for (const f of list ?? [null]) {
      const id = f?.firewall;
      if (typeof id !== "number" || !Number.isInteger(id)) {
        fail("firewalls", "Must be a list of {firewall: <id>}.");
        break;
      }
      firewalls.push(id);
    }
  }

  if (fields.length > 0 || !serverType || !location || !image || typeof name !== "string") {
    return { ok: false, fields };
  }
  return {
    ok: true,
    input: { name, serverType, location, image, userData, labels, startAfterCreate, firewalls },
  };
}
