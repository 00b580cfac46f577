import { env } from "cloudflare:workers";

/** local-cloud as started by test/global-setup.ts. */
export const hetznerUrl = env.HETZNER_API_URL;
export const hetznerToken = "local-hetzner-token";
export const cloudflareUrl = env.CLOUDFLARE_API_URL;
export const cloudflareToken = "local-cloudflare-token";
export const zoneId = "023e105f4ecef8ad9ca31a8372d0c353";
export const zoneName = "localhost";

/** Other test files share the one local-cloud process: every test names its things uniquely. */
export function uniqueSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 10);
}

/** Runs `fn` and returns what it threw (fails if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}
