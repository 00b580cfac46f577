import {
  type BootstrapResponse,
  callbackPaths,
  type GitCredentialsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ProgressRequest,
  type ReadyRequest,
  type SecretsResponse,
  type ShutdownRequest,
  type SnapshotCompleteRequest,
  type SnapshotCreated,
  type SnapshotKind,
  type SnapshotManifest,
  type SnapshotPart,
  type SnapshotTooLarge,
  type TaskEventsRequest,
  type TaskMessagesResponse,
  type TaskResultRequest,
} from "@berth/protocol/agent";
import {
  bootstrapResponseCheck,
  gitCredentialsResponseCheck,
  heartbeatRequestCheck,
  heartbeatResponseCheck,
  progressRequestCheck,
  readyRequestCheck,
  secretsResponseCheck,
  shutdownRequestCheck,
  snapshotCompleteRequestCheck,
  snapshotCreatedCheck,
  snapshotCreateRequestCheck,
  snapshotManifestCheck,
  snapshotPartCheck,
  snapshotTooLargeCheck,
  taskEventsRequestCheck,
  taskMessagesResponseCheck,
  taskResultRequestCheck,
} from "../checks/protocol.ts";
import { backoffDelay, defaultRetry, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry.ts";

export type CallResult<T> =
  | { ok: true; data: T; status: number; attempts: number }
  | {
      ok: false;
      error: string;
      status: number | null;
      retryable: boolean;
      attempts: number;
      /** Berth's error body ({error:{code,message}}), when the control plane answered with one. */
      body?: { code: string; message: string };
      /** The control plane's Retry-After, when it gave one (429, 503). */
      retryAfterMs?: number;
    };

function notSent<T>(error: string): CallResult<T> {
  return { ok: false, error, status: null, retryable: false, attempts: 0 };
}

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
  /** A fresh installation token for the workspace's repository (never stored by the agent). */
  gitCredentials(retry?: RetryPolicy): Promise<CallResult<GitCredentialsResponse>>;
  /** Snapshots (protocol snapshots.ts): start an upload. */
  createSnapshot(kind: SnapshotKind, retry?: RetryPolicy): Promise<CallResult<SnapshotCreated>>;
  /** PUT one part's raw bytes; the Blob is re-read on each retry. */
  putSnapshotPart(
    snapshotId: string,
    n: number,
    bytes: Blob,
    retry?: RetryPolicy,
  ): Promise<CallResult<SnapshotPart>>;
  completeSnapshot(
    snapshotId: string,
    body: SnapshotCompleteRequest,
    retry?: RetryPolicy,
  ): Promise<CallResult<null>>;
  /** Over the cap: the same complete endpoint gets the too-large report instead (no part uploaded). */
  reportSnapshotTooLarge(
    snapshotId: string,
    body: SnapshotTooLarge,
    retry?: RetryPolicy,
  ): Promise<CallResult<null>>;
  snapshotManifest(snapshotId: string, retry?: RetryPolicy): Promise<CallResult<SnapshotManifest>>;
  /** One part's plain bytes (at most part_size, so held in memory). */
  snapshotPartBytes(snapshotId: string, n: number, retry?: RetryPolicy): Promise<CallResult<ArrayBuffer>>;
  /** A batch of the task's timeline (tasks.ts). */
  taskEvents(body: TaskEventsRequest, retry?: RetryPolicy): Promise<CallResult<null>>;
  /** Follow-up messages newer than `after`. */
  taskMessages(after: number, retry?: RetryPolicy): Promise<CallResult<TaskMessagesResponse>>;
  /** The end of one turn. */
  taskResult(body: TaskResultRequest, retry?: RetryPolicy): Promise<CallResult<null>>;
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
    /** GET sends no body (the request check still runs on `body`). */
    method: "POST" | "GET" = "POST",
  ): Promise<CallResult<Res | null>> {
    const checked = reqSchema.safeParse(body);
    if (!checked.success) {
      // A bug on our side: sending it would only earn a 400.
      return notSent(`${name}: invalid request: ${checked.error.message}`);
    }
    const json = method === "POST";
    const r = await send(
      name,
      method,
      path,
      token,
      json ? JSON.stringify(checked.data) : null,
      json ? "application/json" : null,
      retry,
    );
    if (!r.ok) return r;
    return resSchema ? parseJson(name, r.data, resSchema, r) : { ...r, data: null };
  }

  /** JSON from a response body, checked; failures are not retryable (the answer will not change). */
  function parseJson<Res>(
    name: string,
    text: ArrayBuffer,
    resSchema: Schema<Res>,
    r: { status: number; attempts: number },
  ): CallResult<Res> {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(text));
    } catch {
      return {
        ok: false,
        error: `${name}: response is not JSON`,
        status: r.status,
        retryable: false,
        attempts: r.attempts,
      };
    }
    const parsed = resSchema.safeParse(json);
    if (!parsed.success) {
      return {
        ok: false,
        error: `${name}: unexpected response: ${parsed.error.message}`,
        status: r.status,
        retryable: false,
        attempts: r.attempts,
      };
    }
    return { ok: true, data: parsed.data, status: r.status, attempts: r.attempts };
  }

  /**
   * One request with retries; the body is resent as is on each attempt (a Blob is re-read from
   * its file). Returns the raw response bytes of a 2xx.
   */
  async function send(
    name: string,
    method: "GET" | "POST" | "PUT",
    path: string,
    token: string | null,
    body: string | Blob | null,
    contentType: string | null,
    retry: RetryPolicy,
    timeoutMs = opts.timeoutMs ?? 15_000,
  ): Promise<CallResult<ArrayBuffer>> {
    if (token === null) return notSent(`${name}: no callback token yet`);
    let attempt = 0;
    for (;;) {
      attempt++;
      let delay: number | null = null;
      let failure: CallResult<ArrayBuffer>;
      try {
        const headers: Record<string, string> = {
          authorization: `Bearer ${token}`,
          accept: "application/json",
        };
        if (contentType) headers["content-type"] = contentType;
        const res = await doFetch(`${base}${path}`, {
          method,
          headers,
          body: body ?? undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const bytes = await res.arrayBuffer();
        if (res.ok) return { ok: true, data: bytes, status: res.status, attempts: attempt };
        const text = new TextDecoder().decode(bytes.slice(0, 4096));
        const retryable = isRetryableStatus(res.status);
        const errBody = errorBody(text);
        failure = {
          ok: false,
          error: `${name}: HTTP ${res.status} ${errBody ? `(${errBody.code})` : ""}`.trim(),
          status: res.status,
          retryable,
          attempts: attempt,
          ...(errBody ? { body: errBody } : {}),
        };
        if (!retryable) return failure;
        delay = parseRetryAfter(res.headers.get("retry-after"), now());
        if (delay !== null) {
          failure.retryAfterMs = delay;
          if (retry.maxRetryAfterMs !== undefined && delay > retry.maxRetryAfterMs) return failure;
        }
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
    async gitCredentials(retry = dflt) {
      return (await call(
        "git-credentials",
        callbackPaths.gitCredentials(id),
        callbackToken,
        {},
        anyObject,
        gitCredentialsResponseCheck,
        retry,
      )) as CallResult<GitCredentialsResponse>;
    },
    createSnapshot(kind, retry = dflt) {
      return call(
        "snapshot",
        callbackPaths.snapshots(id),
        callbackToken,
        { kind },
        snapshotCreateRequestCheck,
        snapshotCreatedCheck,
        retry,
      ) as Promise<CallResult<SnapshotCreated>>;
    },
    async putSnapshotPart(snapshotId, n, bytes, retry = dflt) {
      const name = `snapshot part ${n}`;
      const path = callbackPaths.snapshotPart(id, snapshotId, n);
      const r = await send(
        name,
        "PUT",
        path,
        callbackToken,
        bytes,
        "application/octet-stream",
        retry,
        transferTimeoutMs,
      );
      return r.ok ? parseJson(name, r.data, snapshotPartCheck, r) : r;
    },
    completeSnapshot(snapshotId, body, retry = dflt) {
      const path = callbackPaths.snapshotComplete(id, snapshotId);
      return call(
        "snapshot complete",
        path,
        callbackToken,
        body,
        snapshotCompleteRequestCheck,
        null,
        retry,
      ) as Promise<CallResult<null>>;
    },
    reportSnapshotTooLarge(snapshotId, body, retry = dflt) {
      const path = callbackPaths.snapshotComplete(id, snapshotId);
      return call(
        "snapshot too large",
        path,
        callbackToken,
        body,
        snapshotTooLargeCheck,
        null,
        retry,
      ) as Promise<CallResult<null>>;
    },
    async snapshotManifest(snapshotId, retry = dflt) {
      const name = "snapshot manifest";
      const r = await send(
        name,
        "GET",
        callbackPaths.snapshot(id, snapshotId),
        callbackToken,
        null,
        null,
        retry,
      );
      return r.ok ? parseJson(name, r.data, snapshotManifestCheck, r) : r;
    },
    snapshotPartBytes(snapshotId, n, retry = dflt) {
      const path = callbackPaths.snapshotPart(id, snapshotId, n);
      return send(`snapshot part ${n}`, "GET", path, callbackToken, null, null, retry, transferTimeoutMs);
    },
    async taskEvents(body, retry = dflt) {
      return (await call(
        "task-events",
        callbackPaths.taskEvents(id),
        callbackToken,
        body,
        taskEventsRequestCheck,
        null,
        retry,
      )) as CallResult<null>;
    },
    async taskMessages(after, retry = dflt) {
      return (await call(
        "task-messages",
        `${callbackPaths.taskMessages(id)}?after=${Math.max(0, Math.floor(after))}`,
        callbackToken,
        {},
        anyObject,
        taskMessagesResponseCheck,
        retry,
        "GET",
      )) as CallResult<TaskMessagesResponse>;
    },
    async taskResult(body, retry = dflt) {
      return (await call(
        "task-result",
        callbackPaths.taskResult(id),
        callbackToken,
        body,
        taskResultRequestCheck,
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

/** A part is up to part_size (tens of MB): give it minutes, not the callbacks' 15 s. */
const transferTimeoutMs = 5 * 60_000;

const anyObject: Schema<Record<string, never>> = {
  safeParse: (v) => ({ success: true, data: v as Record<string, never> }),
};

/**
 * Berth's error body, capped. The code goes in log lines; the message only where a caller shows it
 * to the person (the git credential helper), never the raw body (could echo input).
 */
function errorBody(text: string): { code: string; message: string } | null {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code !== "string") return null;
    return {
      code: e.code.slice(0, 40),
      message: typeof e.message === "string" ? e.message.slice(0, 500) : "",
    };
  } catch {
    return null;
  }
}
