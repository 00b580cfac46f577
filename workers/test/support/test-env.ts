/**
 * Settings shared by the vitest config (Node) and the tests (workerd). local-cloud listens on these
 * fixed loopback ports during the test run, started by global-setup.ts.
 */
export const testPorts = { hetzner: 28701, cloudflare: 28702, github: 28703 } as const;

export const testPublicUrl = "http://localhost:8787";
export const testZone = { id: "023e105f4ecef8ad9ca31a8372d0c353", name: "localhost" } as const;
export const testLocalCloud = {
  hetzner: `http://127.0.0.1:${testPorts.hetzner}/v1`,
  cloudflare: `http://127.0.0.1:${testPorts.cloudflare}/client/v4`,
  github: `http://127.0.0.1:${testPorts.github}`,
} as const;

export const testVars = {
  BERTH_PUBLIC_URL: testPublicUrl,
  BETTER_AUTH_SECRET: "test-better-auth-secret-0123456789abcdef",
  GITHUB_CLIENT_ID: "local-github-client",
  GITHUB_CLIENT_SECRET: "local-github-secret",
  GITHUB_OAUTH_URL: testLocalCloud.github,
  GITHUB_API_URL: testLocalCloud.github,
  HETZNER_API_URL: testLocalCloud.hetzner,
  HETZNER_TOKEN: "local-hetzner-token",
  CLOUDFLARE_API_URL: testLocalCloud.cloudflare,
  CLOUDFLARE_API_TOKEN: "local-cloudflare-token",
  CLOUDFLARE_ZONE_ID: testZone.id,
  WORKSPACE_DOMAIN: testZone.name,
  WORKSPACE_SCHEME: "http",
  WORKSPACE_PORT: "8788",
  MAX_LIVE_WORKSPACES_PER_USER: "3",
} as const;
