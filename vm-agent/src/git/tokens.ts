import type { GitCredentialsResponse } from "@berth/protocol/agent";
import { gitErrorCodes, type WorkspaceGit } from "@berth/protocol/agent";
import type { CallResult } from "../control-plane/client.ts";
import type { RetryPolicy } from "../control-plane/retry.ts";

/** A token is used until this long before GitHub expires it, then a fresh one is asked for. */
export const refreshMarginMs = 60_000;

/**
 * git waits for the helper: a few quick retries, not the boot's patience. A longer Retry-After (a
 * rate limit, Berth's or GitHub's) is not waited out with git hanging: it is reported at once.
 */
export const credentialRetry: RetryPolicy = { attempts: 3, baseMs: 500, maxMs: 3000, maxRetryAfterMs: 5000 };

/** A 429 without Retry-After: GitHub's own advice is to wait at least a minute. */
const defaultRateLimitWaitMs = 60_000;

export type TokenResult =
  | { ok: true; username: string; password: string; expiresAt: number }
  | { ok: false; message: string };

export interface GitTokens {
  /** A token valid for at least the refresh margin (from memory, or fresh from the control plane). */
  get(): Promise<TokenResult>;
  /** git says the server refused `password`: forget it if it is the one held. */
  reject(password: string): void;
}

/**
 * Installation tokens, held in this process's memory only: never written anywhere, asked for again
 * a minute before they expire. Concurrent asks (git fetching submodules, Claude and a terminal at
 * once) share one call to the control plane.
 */
export function createGitTokens(opts: {
  git: WorkspaceGit;
  fetchToken(retry: RetryPolicy): Promise<CallResult<GitCredentialsResponse>>;
  now?: () => number;
  log?: (msg: string) => void;
}): GitTokens {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  let held: { username: string; password: string; expiresAt: number } | null = null;
  let inflight: Promise<TokenResult> | null = null;
  // After a 429, nobody is asked again before the wait is over: every git command in the meantime
  // (a retry loop, an IDE fetching) would only spend more of the limit.
  let limited: { until: number; detail: string } | null = null;

  const limitedAnswer = (l: { until: number; detail: string }): TokenResult => ({
    ok: false,
    message: rateLimitedMessage(opts.git.repository, l.detail, l.until - now()),
  });

  const ask = async (): Promise<TokenResult> => {
    const r = await opts.fetchToken(credentialRetry);
    if (!r.ok && r.status === 429) {
      log(`git credentials: ${r.error}`);
      limited = { until: now() + (r.retryAfterMs ?? defaultRateLimitWaitMs), detail: r.body?.message ?? "" };
      return limitedAnswer(limited);
    }
    if (!r.ok) {
      log(`git credentials: ${r.error}`);
      return { ok: false, message: failureMessage(opts.git.repository, r) };
    }
    const expiresAt = Date.parse(r.data.expires_at);
    const token = { username: r.data.username, password: r.data.password, expiresAt };
    // A token that arrives (nearly) expired is used for this one request, not kept.
    held = expiresAt - refreshMarginMs > now() ? token : null;
    return { ok: true, ...token };
  };

  return {
    async get() {
      if (held && held.expiresAt - refreshMarginMs > now()) return { ok: true, ...held };
      held = null;
      if (limited && now() < limited.until) return limitedAnswer(limited);
      limited = null;
      inflight ??= ask().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    reject(password) {
      if (held?.password === password) {
        held = null;
        log("git credentials: the server refused the held token; a fresh one will be asked for");
      }
    },
  };
}

/** What git prints while a rate limit (Berth's on credentials, or GitHub's) says to wait. */
export function rateLimitedMessage(repository: string, detail: string, waitMs: number): string {
  // The wait is said once, counted down from the agent's clock: the control plane's own "try
  // again in …" (true when it answered) goes.
  const why = detail.replace(/[;,]?\s*try again\b.*$/i, "").replace(/[\s.]+$/, "");
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return `Berth: no GitHub credentials for ${repository} for now${why ? ` (${why})` : ""}. Try again in ${seconds} s.`;
}

/** What git prints to the terminal when there is no token to give. */
export function failureMessage(repository: string, r: Extract<CallResult<unknown>, { ok: false }>): string {
  // The control plane's sentence, without its final stop (ours follows).
  const message = r.body?.message.replace(/[\s.]+$/, "") ?? "";
  const detail = message ? `: ${message}` : "";
  if (r.body?.code === gitErrorCodes.installationRevoked) {
    return `Berth: the GitHub App no longer has access to ${repository}${detail}. Reinstall the App on this repository (or ask its owner to), then try again.`;
  }
  if (r.body?.code === gitErrorCodes.appNotInstalled) {
    return `Berth: the GitHub App is not installed on ${repository}${detail}. Install it on this repository, then try again.`;
  }
  const why = r.status === null ? "the control plane cannot be reached" : `HTTP ${r.status}${detail}`;
  return `Berth: could not get GitHub credentials for ${repository} (${why}).`;
}
