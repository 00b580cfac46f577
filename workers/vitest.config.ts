import { createPublicKey } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import {
  generateEncryptionKey,
  generateGithubAppKey,
  generateSigningJwk,
  generateVapidKey,
} from "../scripts/lib/keys.ts";
import { testGithubAppKeyEnv, testPortBase, testRateLimits, testVarsFor } from "./test/support/test-env.ts";

export default defineConfig(async () => {
  // wrangler.toml serves the dashboard's build as static assets; the API tests need only the folder.
  mkdirSync(path.join(import.meta.dirname, "../pages/dist"), { recursive: true });
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "../migrations"));
  process.env[testGithubAppKeyEnv] ??= generateGithubAppKey();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "../wrangler.toml" },
        miniflare: {
          bindings: {
            ...testVarsFor(testPortBase(process.env)),
            ENCRYPTION_KEY: generateEncryptionKey(),
            TERMINAL_SIGNING_KEY: generateSigningJwk(),
            VAPID_PRIVATE_KEY: generateVapidKey(),
            GITHUB_APP_PRIVATE_KEY: process.env[testGithubAppKeyEnv],
            // For tests that verify the App's JWTs the way GitHub does: with the public key.
            TEST_GITHUB_APP_PUBLIC_KEY: createPublicKey(
              (process.env[testGithubAppKeyEnv] ?? "").replace(/\\n/g, "\n"),
            )
              .export({ format: "pem", type: "spki" })
              .toString(),
            TEST_MIGRATIONS: migrations,
          },
          // Lower than production (wrangler.toml) so a test can reach each limit quickly; every
          // test keys its own user, workspace or address, so no test eats another's allowance. The
          // per-user and per-workspace limits sit above what the authorization matrix and the
          // fuzz send as one user and to one workspace within a minute (a 429 there tests nothing).
          ratelimits: {
            RATE_LIMIT_USER: { namespace_id: "1001", simple: { limit: testRateLimits.user, period: 60 } },
            RATE_LIMIT_IP: { namespace_id: "1002", simple: { limit: testRateLimits.ip, period: 60 } },
            RATE_LIMIT_VM: { namespace_id: "1003", simple: { limit: testRateLimits.vm, period: 60 } },
            RATE_LIMIT_GIT: { namespace_id: "1004", simple: { limit: testRateLimits.git, period: 60 } },
          },
        },
      }),
    ],
    test: {
      // One workerd for all files: with per-file isolates, vitest-plugin 1.5.0 fails to start the
      // second file ("WebSocket protocol error: Message is too large"). Tests therefore share D1
      // and must not assume an empty database: each creates the users and rows it needs.
      isolate: false,
      // Fault injection in local-cloud is process-wide: files run one at a time so one file's
      // injected fault never hits another's request.
      fileParallelism: false,
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/setup.ts"],
    },
  };
});
