import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** A parsed request as the service handlers see it. */
export interface ServiceRequest {
  method: string;
  url: URL;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON or form body when the content type says so, else the raw text (or undefined if empty). */
  body: unknown;
}

/** What a handler answers; `json` wins over `text`. */
export interface ServiceResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** A streamed body (e.g. server-sent events), written chunk by chunk; wins over json and text. */
  stream?: () => AsyncIterable<string>;
}

/** A request body over the service's limit; the body was read to its end, so the answer can be sent. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Reads the body as text. Past `limit` it keeps reading without keeping anything and then rejects
 * with BodyTooLargeError: a client still writing its body would see a reset, not the 413.
 */
export function readRaw(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () =>
      size > limit ? reject(new BodyTooLargeError(limit)) : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}

/** Parses a body by content type; JSON that fails to parse yields the JSON_ERROR marker. */
export const JSON_ERROR: unique symbol = Symbol("json_error");

export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return undefined;
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  if (ct.includes("json") || ct === "" || raw.startsWith("{") || raw.startsWith("[")) {
    try {
      return JSON.parse(raw);
    } catch {
      return ct.includes("json") ? JSON_ERROR : raw;
    }
  }
  return raw;
}

/** Query params as an object; repeated keys become arrays. */
export function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function html(status: number, text: string): ServiceResponse {
  return { status, text, headers: { "content-type": "text/html; charset=utf-8" } };
}

export function redirect(location: string): ServiceResponse {
  return { status: 302, headers: { location }, text: "" };
}

export function bearerToken(headers: IncomingHttpHeaders, schemes = ["bearer"]): string | null {
  const h = headers.authorization;
  if (!h) return null;
  const m = /^(\S+)\s+(.+)$/.exec(h.trim());
  if (!m?.[1] || !m[2]) return null;
  return schemes.includes(m[1].toLowerCase()) ? m[2].trim() : null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
