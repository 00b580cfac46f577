import { startLocalCloud } from "@berth/local-cloud";
import { testGithubApp, testGithubAppKeyEnv, testPortBase, testPortsFrom } from "./support/test-env.ts";

/** Runs in Node before the workerd test pool: the remote-service stand-ins, over real HTTP. */
export default async function setup() {
  const ports = testPortsFrom(testPortBase(process.env));
  // The Worker's GitHub App (id, slug, the run's key from vitest.config.ts): the GitHub stand-in
  // verifies the Worker's JWTs with it.
  const githubApp = {
    id: Number(testGithubApp.id),
    slug: testGithubApp.slug,
    privateKey: process.env[testGithubAppKeyEnv],
  };
  const cloud = await startLocalCloud({
    githubApp,
    hetznerPort: ports.hetzner,
    cloudflarePort: ports.cloudflare,
    githubPort: ports.github,
    anthropicPort: ports.anthropic,
    pushPort: ports.push,
    // The whole suite shares one stand-in; its real limits would make tests depend on each other.
    // 429s are tested by injecting them, and request budgets by counting what was received.
    hetznerRateLimit: { limit: 1_000_000 },
    cloudflareRateLimit: { limit: 1_000_000 },
  });
  return async () => {
    await cloud.stop();
  };
}
