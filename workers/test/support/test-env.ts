/**
 * Settings shared by the vitest config (Node) and the tests (workerd). local-cloud listens on these
 * fixed loopback ports during the test run, started by global-setup.ts.
 */
export const testPorts = { hetzner: 28701, cloudflare: 28702, github: 28703 } as const;

export const testPublicUrl = "http://localhost:8787";

export const testVars = {
  BERTH_PUBLIC_URL: testPublicUrl,
  BETTER_AUTH_SECRET: "test-better-auth-secret-0123456789abcdef",
  GITHUB_CLIENT_ID: "local-github-client",
  GITHUB_CLIENT_SECRET: "local-github-secret",
  GITHUB_OAUTH_URL: `http://127.0.0.1:${testPorts.github}`,
  GITHUB_API_URL: `http://127.0.0.1:${testPorts.github}`,
} as const;
