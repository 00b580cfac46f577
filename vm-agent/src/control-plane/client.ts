import {
  type BootstrapResponse,
  callbackPaths,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ProgressRequest,
  type ReadyRequest,
  type SecretsResponse,
  type ShutdownRequest,
} from "@berth/protocol/agent";
import {
  bootstrapResponseCheck,
  heartbeatRequestCheck,
  heartbeatResponseCheck,
  progressRequestCheck,
  readyRequestCheck,
  secretsResponseCheck,
  shutdownRequestCheck,
} from "../checks/protocol.ts";
import { backoffDelay, defaultRetry, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry.ts";

export type CallResult<T> =
  | { ok: true; data: T; status: number; attempts: number }
  | { ok: false; error: string; status: number | null; retryable: boolean; attempts: number };

export interface ControlPlaneClientOptions {
  baseUrl: string;
  workspaceId: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
  now?: () => number;
  retry?: RetryPolicy;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

export interface ControlPlaneClient {
  setCallbackToken(token: string): void;
  bootstrap(bootstrapToken: string, retry?: RetryPolicy): Promise<CallResult<BootstrapResponse>>;
  progress(body: ProgressRequest, retry?: RetryPolicy): Promise<CallResult<null>>;
  ready(body: ReadyRequest, retry?: RetryPolicy): Promise<CallResult<null>>;
  /** The reply names the ports the owner made public. */
  heartbeat(body: HeartbeatRequest, retry?: RetryPolicy): Promise<CallResult<HeartbeatResponse>>;
  shutdown(body: ShutdownRequest, retry?: RetryPolicy): Promise<CallResult<null>>;
  /** The owner's current secrets for this workspace (after a restart of its environment). */
  secrets(retry?: RetryPolicy): Promise<CallResult<SecretsResponse>>;
}

/**
 * Typed client for the VM -> control plane callbacks. It never throws: network errors, 5xx and
 * 429 are retried with backoff (Retry-After wins when given), and anything else comes back as a
 * failed result. Tokens are never logged.
 */
export function createControlPlaneClient(opts: ControlPlaneClientOptions): ControlPlaneClient {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const base = opts.baseUrl.replace(/\/+$/, "");
  let callbackToken: string | null = null;

  async function call<Req, Res>(
    name: string,
    path: string,
    token: string | null,
    body: Req,
    reqSchema: Schema<Req>,
    resSchema: Schema<Res> | null,
    retry: RetryPolicy,
    method: "POST" | "GET" = "POST",
  ): Promise<CallResult<Res | null>> {
    if (token === null) {
      return {
        ok: false,
        error: `${name}: no callback token yet`,
        status: null,
        retryable: false,
        attempts: 0,
      };
    }
    const checked = reqSchema.safeParse(body);
    if (!checked.success) {
      // A bug on our side: sending it would only earn a 400.
      return {
        ok: false,
        error: `${name}: invalid request: ${checked.error.message}`,
        status: null,
        retryable: false,
        attempts: 0,
      };
    }
    let attempt = 0;
    for (;;) {
      attempt++;
      let delay: number | null = null;
      let failure: CallResult<Res | null>;
      try {
        const headers: Record<string, string> = {
          authorization: `Bearer ${token}`,
          accept: "application/json",
        };
        if (method === "POST") headers["content-type"] = "application/json";
        const res = await doFetch(`${base}${path}`, {
          method,
          headers,
          ...(method === "POST" ? { body: JSON.stringify(checked.data) } : {}),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
        const text = await res.text().catch(() => "");
        if (res.ok) {
          if (!resSchema) return { ok: true, data: null, status: res.status, attempts: attempt };
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return {
              ok: false,
              error: `${name}: response is not JSON`,
              status: res.status,
              retryable: false,
              attempts: attempt,
            };
          }
          const parsed = resSchema.safeParse(json);
          if (!parsed.success) {
            return {
              ok: false,
              error: `${name}: unexpected response: ${parsed.error.message}`,
              status: res.status,
              retryable: false,
              attempts: attempt,
            };
          }
          return { ok: true, data: parsed.data, status: res.status, attempts: attempt };
        }
        const retryable = isRetryableStatus(res.status);
        failure = {
          ok: false,
          error: `${name}: HTTP ${res.status} ${errorCode(text)}`.trim(),
          status: res.status,
          retryable,
          attempts: attempt,
        };
        if (retryable) delay = parseRetryAfter(res.headers.get("retry-after"), now());
        else return failure;
      } catch (err) {
        failure = {
          ok: false,
          error: `${name}: ${err instanceof Error ? err.message : String(err)}`,
          status: null,
          retryable: true,
          attempts: attempt,
        };
      }
      if (attempt >= retry.attempts) return failure;
      const wait = delay ?? backoffDelay(attempt - 1, retry, opts.random);
      log(`control-plane: ${failure.error}; retry ${attempt} in ${wait} ms`);
      await sleep(wait);
    }
  }

  const id = opts.workspaceId;
  const dflt = opts.retry ?? defaultRetry;
  return {
    setCallbackToken(token) {
      callbackToken = token;
    },
    async bootstrap(bootstrapToken, retry = dflt) {
      const r = await call(
        "bootstrap",
        callbackPaths.bootstrap(id),
        bootstrapToken,
        {},
        anyObject,
        bootstrapResponseCheck,
        retry,
      );
      return r as CallResult<BootstrapResponse>;
    },
    async progress(body, retry = dflt) {
      return (await call(
        "progress",
        callbackPaths.progress(id),
        callbackToken,
        body,
        progressRequestCheck,
        null,
        retry,
      )) as CallResult<null>;
    },
    async ready(body, retry = dflt) {
      return (await call(
        "ready",
        callbackPaths.ready(id),
        callbackToken,
        body,
        readyRequestCheck,
        null,
        retry,
      )) as CallResult<null>;
    },
    async heartbeat(body, retry = dflt) {
      return (await call(
        "heartbeat",
        callbackPaths.heartbeat(id),
        callbackToken,
        body,
        heartbeatRequestCheck,
        heartbeatResponseCheck,
        retry,
      )) as CallResult<HeartbeatResponse>;
    },
    async shutdown(body, retry = dflt) {
      return (await call(
        "shutdown",
        callbackPaths.shutdown(id),
        callbackToken,
        body,
        shutdownRequestCheck,
        null,
        retry,
      )) as CallResult<null>;
    },
    async secrets(retry = dflt) {
      return (await call(
        "secrets",
        callbackPaths.secrets(id),
        callbackToken,
        {},
        anyObject,
        secretsResponseCheck,
        retry,
        "GET",
      )) as CallResult<SecretsResponse>;
    },
  };
}

const anyObject: Schema<Record<string, never>> = {
  safeParse: (v) => ({ success: true, data: v as Record<string, never> }),
};

/** The error code of Berth's error body, for the log line; never the raw body (could echo input). */
function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? `(${code.slice(0, 40)})` : "";
  } catch {
    return "";
  }
}
