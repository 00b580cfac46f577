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
  /** The signed-in GitHub account is on neither ALLOWED_GITHUB_LOGINS nor ALLOWED_GITHUB_ORGS. */
  notInvited: "not_invited",
  /** This calendar month's workspaces already cost the user's MONTHLY_BUDGET_EUR. */
  budgetExhausted: "budget_exhausted",
  upstream: "upstream_error",
  /** The control plane's own settings or secrets are missing or malformed (see GET /api/health). */
  misconfigured: "misconfigured",
  internal: "internal_error",
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/** Error codes of the git credential callback and of creating a workspace on a GitHub repo. */
export const gitErrorCodes = {
  /** The App is not installed on the repository (create: 422 with an install link). */
  appNotInstalled: "github_app_not_installed",
  /** The installation was removed or suspended since the workspace started (403). */
  installationRevoked: "github_installation_revoked",
} as const;

/** Error codes of the snapshot callbacks (snapshots.ts). */
export const snapshotErrorCodes = {
  /** 422: the archive is over SNAPSHOT_MAX_BYTES; the message names the biggest folders. */
  tooLarge: "snapshot_too_large",
  /** 409: parts are missing or differ from what was stored; upload them again, then complete. */
  incomplete: "snapshot_incomplete",
  /** 422: the stored snapshot failed verification (AES-GCM or a hash): the upload is void. */
  corrupt: "snapshot_corrupt",
  /** 409: the snapshot is not in a state for this call (e.g. a part sent after complete). */
  wrongState: "snapshot_wrong_state",
} as const;
