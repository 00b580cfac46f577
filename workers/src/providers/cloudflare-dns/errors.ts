import Cloudflare from "cloudflare";
import { ProviderError } from "../types.ts";

/** Cloudflare's code for "An identical record already exists." */
export const IDENTICAL_RECORD_EXISTS = "81058";

/**
 * Runs one SDK call and turns its failures into ProviderError. The SDK's own messages carry the
 * response body, never the request headers, so the token cannot leak through them.
 */
export async function cfCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toProviderError(what, e);
  }
}

export function toProviderError(what: string, e: unknown): unknown {
  if (e instanceof ProviderError) return e;
  // APIConnectionError (and its timeout subclass) are APIErrors without a status.
  if (e instanceof Cloudflare.APIError && typeof e.status === "number") {
    const first = e.errors[0];
    const code = first?.code !== undefined ? String(first.code) : `http_${e.status}`;
    const message = first?.message ?? `HTTP ${e.status}`;
    return new ProviderError(
      "cloudflare",
      e.status,
      code,
      `${what}: ${message} (${e.status} ${code})`,
      retryAfterSeconds(e.headers),
    );
  }
  if (e instanceof Cloudflare.APIConnectionError || e instanceof Cloudflare.APIUserAbortError) {
    const reason = e instanceof Cloudflare.APIConnectionTimeoutError ? "timed out" : e.message;
    return new ProviderError("cloudflare", 0, "network", `${what}: ${reason}`);
  }
  // Anything else is a bug on our side (or the SDK's), not a service failure: keep it visible.
  return e;
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | null {
  const ra = headers?.get("retry-after")?.trim();
  if (!ra) return null;
  if (/^\d+$/.test(ra)) return Number(ra);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
