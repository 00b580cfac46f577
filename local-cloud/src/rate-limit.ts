/** A token bucket: `limit` tokens, refilling `refillPerSecond` tokens per second. */
export interface RateLimitOptions {
  limit: number;
  refillPerSecond: number;
}

export interface TakeResult {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the bucket is full again. */
  resetAt: number;
  /** Seconds until one token is available (0 when ok). */
  retryAfter: number;
}

export class TokenBucket {
  readonly limit: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(opts: RateLimitOptions, now: () => number = () => Date.now()) {
    this.limit = opts.limit;
    this.refillPerSecond = opts.refillPerSecond;
    this.now = now;
    this.tokens = opts.limit;
    this.last = now();
  }

  private refill(): number {
    const t = this.now();
    this.tokens = Math.min(this.limit, this.tokens + ((t - this.last) / 1000) * this.refillPerSecond);
    this.last = t;
    return t;
  }

  take(): TakeResult {
    const t = this.refill();
    const ok = this.tokens >= 1;
    if (ok) this.tokens -= 1;
    const missing = this.limit - this.tokens;
    const rate = this.refillPerSecond > 0 ? this.refillPerSecond : 1e-9;
    return {
      ok,
      limit: this.limit,
      remaining: Math.floor(this.tokens),
      resetAt: Math.ceil((t + (missing / rate) * 1000) / 1000),
      retryAfter: ok ? 0 : Math.max(1, Math.ceil((1 - this.tokens) / rate)),
    };
  }

  /** Current view without consuming a token. */
  peek(): TakeResult {
    const t = this.refill();
    const missing = this.limit - this.tokens;
    const rate = this.refillPerSecond > 0 ? this.refillPerSecond : 1e-9;
    return {
      ok: this.tokens >= 1,
      limit: this.limit,
      remaining: Math.floor(this.tokens),
      resetAt: Math.ceil((t + (missing / rate) * 1000) / 1000),
      retryAfter: this.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - this.tokens) / rate)),
    };
  }

  refillAll(): void {
    this.tokens = this.limit;
    this.last = this.now();
  }
}

/** Buckets keyed by token (or any string). */
export class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly opts: RateLimitOptions;

  constructor(opts: RateLimitOptions) {
    this.opts = opts;
  }

  get(key: string): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.opts);
      this.buckets.set(key, b);
    }
    return b;
  }

  reset(): void {
    this.buckets.clear();
  }
}
