import { ProviderError } from "../types.ts";

export interface HetznerClientOptions {
  /** e.g. https://api.hetzner.cloud/v1 */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request, including reading the body. Default 15 s. */
  timeoutMs?: number;
}

export interface HetznerRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Answer null for a 404 instead of throwing (GET / DELETE of one server: "gone" is an answer). */
  notFoundOk?: boolean;
}

/** Resolves to the parsed JSON body; null only for a 404 when `notFoundOk`. */
export interface HetznerRequester {
  <T>(req: HetznerRequest & { notFoundOk: true }): Promise<T | null>;
  <T>(req: HetznerRequest): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * One HTTP call to the Hetzner API. Never retries (the reconciler retries on its next pass) and
 * never hangs: the whole call, body included, is bounded by `timeoutMs`. Non-2xx answers become a
 * ProviderError carrying Hetzner's own error code.
 */
export function createHetznerRequester(opts: HetznerClientOptions): HetznerRequester {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = opts.baseUrl.replace(/\/+$/, "");
  // The token must never leak into an error message, even via a runtime's error text.
  const scrub = (s: string) => (opts.token ? s.split(opts.token).join("***") : s);

  const request = async <T>(req: HetznerRequest): Promise<T | null> => {
    const url = new URL(`${base}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token}` };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    const what = `${req.method} ${req.path}`;
    let status: number;
    let resHeaders: Headers;
    let text: string;
    try {
      const res = await doFetch(url.toString(), {
        method: req.method,
        headers,
        body: req.body === undefined ? null : JSON.stringify(req.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      resHeaders = res.headers;
      text = await res.text();
    } catch (e) {
      const name = e instanceof Error ? e.name : "";
      const reason =
        name === "TimeoutError" || name === "AbortError"
          ? `timed out after ${timeoutMs} ms`
          : scrub(e instanceof Error ? e.message : String(e));
      throw new ProviderError("hetzner", 0, "network", `${what}: ${reason}`);
    }
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status === 404 && req.notFoundOk) return null;
    if (status >= 200 && status < 300) {
      if (body === undefined)
        throw new ProviderError("hetzner", status, "invalid_response", `${what}: response is not JSON`);
      return body as T;
    }
    throw toProviderError(status, body, resHeaders, what, scrub);
  };
  return request as HetznerRequester;
}

function toProviderError(
  status: number,
  body: unknown,
  headers: Headers,
  what: string,
  scrub: (s: string) => string,
): ProviderError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof err?.code === "string" ? err.code : `http_${status}`;
  const message = typeof err?.message === "string" ? err.message : `HTTP ${status}`;
  return new ProviderError(
    "hetzner",
    status,
    code,
    `${what}: ${scrub(message)} (${status} ${code})`,
    retryAfterSeconds(status, headers),
  );
}

/** Retry-After (seconds or HTTP date) wins; on 429 Hetzner's RateLimit-Reset (unix seconds) is the fallback. */
export function retryAfterSeconds(status: number, headers: Headers, now = Date.now()): number | null {
  const ra = headers.get("retry-after");
  if (ra !== null && ra.trim() !== "") {
    if (/^\d+$/.test(ra.trim())) return Number(ra.trim());
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  if (status !== 429) return null;
  const reset = headers.get("ratelimit-reset");
  if (reset !== null && /^\d+$/.test(reset.trim()))
    return Math.max(0, Math.ceil(Number(reset.trim()) - now / 1000));
  return null;
}
