import type { ErrorDetail } from "./types.ts";

/** An error response from the API: `{"error":{"code","message","details"?}}`, or something close to it. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
  get isValidation(): boolean {
    return this.status === 422 || this.code === "validation_failed";
  }
  get isLimitReached(): boolean {
    return this.code === "limit_reached";
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
  /** github_app_not_installed: the App must be installed on the repository first. */
  get isAppNotInstalled(): boolean {
    return this.code === "github_app_not_installed";
  }

  /** The first http(s) link in the message or details (e.g. the App's install page). */
  get link(): string | null {
    const texts = [this.message, ...this.details.map((d) => d.message)];
    for (const text of texts) {
      const match = /https?:\/\/[^\s)]+/.exec(text);
      if (match) return match[0].replace(/[.,;]+$/, "");
    }
    return null;
  }

  /** The messages for one field, matched by the detail's path ("repo_url", "body.repo_url", ...). */
  detailsFor(field: string): string[] {
    return this.details
      .filter((d) => d.path === field || d.path.split(".").at(-1) === field)
      .map((d) => d.message);
  }
}

/** The request never got an HTTP response (offline, DNS, connection refused, CORS, aborted). */
export class NetworkError extends Error {
  override readonly name = "NetworkError";

  constructor(cause: unknown) {
    super("Could not reach Berth. Check your connection and try again.", { cause });
  }
}

const fallbackCodes: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_failed",
  429: "rate_limited",
};

function isDetail(value: unknown): value is ErrorDetail {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.path === "string" && typeof v.message === "string";
}

/** Turns any non-2xx response into an ApiError. Never throws anything else. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const fallbackCode = fallbackCodes[res.status] ?? (res.status >= 500 ? "internal_error" : "http_error");
  const fallbackMessage =
    res.status === 401 ? "You are not signed in." : `Request failed (HTTP ${res.status}).`;
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const err = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof err === "object" && err !== null) {
    const e = err as Record<string, unknown>;
    const code = typeof e.code === "string" && e.code ? e.code : fallbackCode;
    const message = typeof e.message === "string" && e.message ? e.message : fallbackMessage;
    const details = Array.isArray(e.details) ? e.details.filter(isDetail) : [];
    return new ApiError(res.status, code, message, details);
  }
  // better-auth's own endpoints answer `{"message","code"}`.
  if (typeof body === "object" && body !== null) {
    const b = body as Record<string, unknown>;
    if (typeof b.message === "string" && b.message) {
      return new ApiError(res.status, fallbackCode, b.message);
    }
  }
  return new ApiError(res.status, fallbackCode, fallbackMessage);
}

/** A short, human sentence for any error thrown by the client. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
