import { testPorts } from "../support/test-env.ts";

/** local-cloud as started by test/global-setup.ts. */
export const hetznerUrl = `http://127.0.0.1:${testPorts.hetzner}/v1`;
export const hetznerToken = "local-hetzner-token";
export const cloudflareUrl = `http://127.0.0.1:${testPorts.cloudflare}/client/v4`;
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
