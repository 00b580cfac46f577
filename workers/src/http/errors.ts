import { type ErrorBody, type ErrorCode, errorCodes, type gitErrorCodes } from "@berth/protocol";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

type GitErrorCode = (typeof gitErrorCodes)[keyof typeof gitErrorCodes];

/** An error a route throws on purpose; it becomes the one JSON error shape. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode | GitErrorCode;
  readonly details: ErrorBody["error"]["details"];
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode | GitErrorCode,
    message: string,
    options: { details?: ErrorBody["error"]["details"]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what = "resource") => new ApiError(404, errorCodes.notFound, `${what} not found`);

export function errorBody(code: string, message: string, details?: ErrorBody["error"]["details"]): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

const codeForStatus: Record<number, ErrorCode> = {
  400: errorCodes.badRequest,
  401: errorCodes.unauthorized,
  403: errorCodes.forbidden,
  404: errorCodes.notFound,
  409: errorCodes.conflict,
  413: errorCodes.payloadTooLarge,
  415: errorCodes.unsupportedMediaType,
  422: errorCodes.validation,
  429: errorCodes.rateLimited,
};

export function errorCodeForStatus(status: number): ErrorCode {
  return codeForStatus[status] ?? (status >= 500 ? errorCodes.internal : errorCodes.badRequest);
}

/** Hono onError: every thrown error leaves as `{"error":{"code","message"}}`, never a stack trace. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const message = err.status === 413 ? "request body is too large" : err.message || "request failed";
    return c.json(errorBody(errorCodeForStatus(status), message), status);
  }
  console.error("unhandled error", err.name, err.message);
  return c.json(errorBody(errorCodes.internal, "internal error"), 500);
}
