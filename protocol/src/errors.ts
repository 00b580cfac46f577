/** The one error shape every Berth HTTP endpoint returns. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** Field-level problems for validation errors. */
    details?: Array<{ path: string; message: string }>;
  };
}

export const errorCodes = {
  badRequest: "bad_request",
  validation: "validation_failed",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  notFound: "not_found",
  conflict: "conflict",
  payloadTooLarge: "payload_too_large",
  /** A body that is not plain UTF-8 JSON (another content type, charset or content encoding). */
  unsupportedMediaType: "unsupported_media_type",
  rateLimited: "rate_limited",
  limitReached: "limit_reached",
  upstream: "upstream_error",
  /** The control plane's own settings or secrets are missing or malformed (see GET /api/health). */
  misconfigured: "misconfigured",
  internal: "internal_error",
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];
