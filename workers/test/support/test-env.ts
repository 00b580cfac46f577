/**
 * Test settings, computed in Node (vitest config, global setup) and handed to workerd as bindings.
 * local-cloud listens on loopback ports from BERTH_TEST_PORT_BASE (default 28700): +1 Hetzner,
 * +2 Cloudflare, +3 GitHub, +4 Anthropic, +5 the push service, so two test runs on one machine can use different bases.
 */
export const testPublicUrl = "http://localhost:8787";
/** Every user the tests sign in as joins this org in the GitHub stand-in first (see signIn). */
export const testOrg = "berth-testers";
/** The tests' deployment; other deployments' resources in the same stand-ins must survive. */
export const testDeployment = "test";
export const testZone = { id: "023e105f4ecef8ad9ca31a8372d0c353", name: "localhost" } as const;

/**
 * The tests' rate limits per 60 s window (vitest.config.ts hands them to workerd; the tests count
 * against them). Lower than production so a test reaches each limit quickly.
 */
export const testRateLimits = { user: 2000, ip: 20, vm: 1500, git: 30 } as const;

/** The GitHub App the tests' Worker is configured as (registered with the GitHub stand-in). */
export const testGithubApp = { id: "4242", slug: "berth-test" } as const;

/**
 * Where vitest.config.ts leaves the run's App private key (PKCS#1 PEM) for global-setup, which
 * hands it to the GitHub stand-in: both run in vitest's main Node process.
 */
export const testGithubAppKeyEnv = "BERTH_TEST_GITHUB_APP_PRIVATE_KEY";

export function testPortsFrom(base: number) {
  return {
    hetzner: base + 1,
    cloudflare: base + 2,
    github: base + 3,
    anthropic: base + 4,
    push: base + 5,
  } as const;
}

export function testPortBase(env: Record<string, string | undefined>): number {
  const base = Number(env.BERTH_TEST_PORT_BASE ?? 28700);
  if (!Number.isInteger(base) || base < 1024 || base > 65000)
    throw new Error("BERTH_TEST_PORT_BASE must be a port number");
  return base;
}

export function testVarsFor(base: number) {
  const ports = testPortsFrom(base);
  const github = `http://127.0.0.1:${ports.github}`;
  return {
    BERTH_PUBLIC_URL: testPublicUrl,
    BETTER_AUTH_SECRET: "test-better-auth-secret-0123456789abcdef",
    GITHUB_CLIENT_ID: "local-github-client",
    GITHUB_CLIENT_SECRET: "local-github-secret",
    GITHUB_OAUTH_URL: github,
    GITHUB_API_URL: github,
    // The stand-in App: repositories "live" at the stand-in's origin. Its private key is generated
    // per run in vitest.config.ts (GITHUB_APP_PRIVATE_KEY) and handed to the stand-in as well.
    GITHUB_WEB_URL: github,
    GITHUB_APP_ID: testGithubApp.id,
    GITHUB_APP_SLUG: testGithubApp.slug,
    HETZNER_API_URL: `http://127.0.0.1:${ports.hetzner}/v1`,
    HETZNER_TOKEN: "local-hetzner-token",
    CLOUDFLARE_API_URL: `http://127.0.0.1:${ports.cloudflare}/client/v4`,
    CLOUDFLARE_API_TOKEN: "local-cloudflare-token",
    CLOUDFLARE_ZONE_ID: testZone.id,
    WORKSPACE_DOMAIN: testZone.name,
    DEPLOYMENT_ID: testDeployment,
    WORKSPACE_SCHEME: "http",
    WORKSPACE_PORT: "8788",
    // As in local mode: Claude Code on the (simulated) VMs talks to the Anthropic stand-in.
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${ports.anthropic}`,
    // As in local mode: the push service stand-in (http) is the one endpoint origin without https.
    PUSH_LOCAL_SERVICE_URL: `http://127.0.0.1:${ports.push}`,
    VAPID_SUBJECT: "mailto:berth@localhost",
    MAX_LIVE_WORKSPACES_PER_USER: "3",
    // Files share D1 (and the API budget test holds 200 live rows for a while): the Berth-wide cap
    // is tested with an explicit, lower setting.
    MAX_LIVE_WORKSPACES: "100000",
    ALLOWED_GITHUB_LOGINS: "alice,bob,carol",
    ALLOWED_GITHUB_ORGS: testOrg,
  };
}
