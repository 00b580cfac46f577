/** Backoff for calls to the control plane: exponential with full jitter, honouring Retry-After. */

export interface RetryPolicy {
  /** Total attempts, including the first; Infinity retries until success. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /**
   * A Retry-After longer than this is not waited out: the call fails at once with `retryAfterMs`,
   * for a caller someone is waiting on (git's credential helper). Unset: any Retry-After is waited.
   */
  maxRetryAfterMs?: number;
}

export const defaultRetry: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 30_000 };

/** Full jitter: a random delay in [0, min(max, base * 2^attempt)], so a fleet does not stampede. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Retry-After as seconds or an HTTP date; null when absent or unparseable. Capped at an hour. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const v = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), 3_600_000);
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
