import { ProviderError, type ServerProvider } from "../providers/types.ts";

/**
 * Wraps a provider so that once it answers 429, every further call in this sweep fails at once
 * instead of hammering an API that asked us to wait. The next sweep starts fresh.
 */
export function stopAfterRateLimit<T extends object>(provider: T, service: "hetzner" | "cloudflare"): T {
  let limited: ProviderError | null = null;
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (limited)
          throw new ProviderError(
            service,
            429,
            "rate_limited",
            "waiting out a rate limit",
            limited.retryAfterSeconds,
          );
        try {
          return await value.apply(target, args);
        } catch (err) {
          if (err instanceof ProviderError && err.status === 429) limited = err;
          throw err;
        }
      };
    },
  });
}

export type GuardedServers = ServerProvider;
