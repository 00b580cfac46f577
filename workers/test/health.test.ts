import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { checkConfig, configWarnings, secretSettings } from "../src/config/check.ts";
import type { Env } from "../src/env.ts";
import { configProblems } from "../src/routes/health.ts";
import { testPublicUrl } from "./support/test-env.ts";

/** The real test env as a plain object, so one setting can be broken at a time. */
function envWith(overrides: Record<string, string | undefined>): Env {
  const copy: Record<string, unknown> = { ...(env as unknown as Record<string, unknown>) };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete copy[name];
    else copy[name] = value;
  }
  return copy as unknown as Env;
}

const longSecret = "s3cr3t-value-that-must-never-appear-in-output";

/** [setting, broken value (undefined = unset), words the one message must contain]. */
const broken: Array<[string, string | undefined, RegExp]> = [
  ["BERTH_PUBLIC_URL", undefined, /is not set/],
  ["BERTH_PUBLIC_URL", "berth.mine.dev", /absolute http\(s\) URL/],
  ["BERTH_PUBLIC_URL", "ftp://berth.mine.dev", /absolute http\(s\) URL/],
  ["BERTH_PUBLIC_URL", "https://berth.mine.dev/app", /origin only/],
  ["BERTH_PUBLIC_URL", "https://berth.example.com", /placeholder/],
  ["BETTER_AUTH_SECRET", undefined, /is not set/],
  ["BETTER_AUTH_SECRET", "short-but-secret-xyz", /at least 32 characters/],
  ["GITHUB_CLIENT_ID", "set-me", /placeholder/],
  ["GITHUB_CLIENT_ID", "", /is not set/],
  ["GITHUB_CLIENT_SECRET", undefined, /is not set/],
  ["GITHUB_CLIENT_SECRET", "set-me", /placeholder/],
  ["GITHUB_OAUTH_URL", "github.mine.dev", /absolute http\(s\) URL/],
  ["GITHUB_API_URL", undefined, /is not set/],
  ["GITHUB_APP_ID", undefined, /is not set: the App ID of your GitHub App/],
  ["GITHUB_APP_ID", "berth-app", /numeric id/],
  ["GITHUB_APP_SLUG", undefined, /is not set/],
  ["GITHUB_APP_SLUG", "https://github.com/apps/berth", /URL name/],
  ["GITHUB_APP_PRIVATE_KEY", undefined, /is not set/],
  ["GITHUB_APP_PRIVATE_KEY", longSecret, /private key as PEM.*not a PEM block/],
  [
    "GITHUB_APP_PRIVATE_KEY",
    `-----BEGIN EC PRIVATE KEY-----\n${btoa(longSecret)}\n-----END EC PRIVATE KEY-----`,
    /found "BEGIN EC PRIVATE KEY"/,
  ],
  [
    "GITHUB_APP_PRIVATE_KEY",
    `-----BEGIN RSA PRIVATE KEY-----\n${longSecret}!\n-----END RSA PRIVATE KEY-----`,
    /not valid base64/,
  ],
  ["GITHUB_WEB_URL", "git.mine.dev", /absolute http\(s\) URL/],
  ["GITHUB_WEB_URL", "https://github.com/org", /origin only/],
  ["HETZNER_API_URL", "not a url", /absolute http\(s\) URL/],
  ["HETZNER_TOKEN", undefined, /is not set/],
  ["HETZNER_TOKEN", `${longSecret}\n`, /whitespace/],
  ["CLOUDFLARE_API_URL", "//api.mine.dev", /absolute http\(s\) URL/],
  ["CLOUDFLARE_API_TOKEN", undefined, /is not set/],
  ["CLOUDFLARE_API_TOKEN", `${longSecret} x`, /whitespace/],
  ["CLOUDFLARE_ZONE_ID", "set-me", /placeholder/],
  ["CLOUDFLARE_ZONE_ID", "023e105f4ecef8ad9ca31a8372d0c35", /32 hexadecimal/],
  ["CLOUDFLARE_ZONE_ID", "023e105f4ecef8ad9ca31a8372d0c35z", /32 hexadecimal/],
  ["WORKSPACE_DOMAIN", "https://ws.mine.dev", /bare hostname/],
  ["WORKSPACE_DOMAIN", "*.ws.mine.dev", /bare hostname/],
  ["WORKSPACE_DOMAIN", "ws.example.com", /placeholder/],
  ["WORKSPACE_DOMAIN", undefined, /is not set/],
  ["ENCRYPTION_KEY", undefined, /is not set/],
  ["ENCRYPTION_KEY", longSecret, /base64/],
  ["ENCRYPTION_KEY", btoa("sixteen-byte-key"), /exactly 32 bytes; the value set decodes to 16 bytes/],
  ["TERMINAL_SIGNING_KEY", undefined, /is not set/],
  ["TERMINAL_SIGNING_KEY", longSecret, /not valid JSON/],
  ["TERMINAL_SIGNING_KEY", JSON.stringify({ kty: "EC", crv: "P-256", x: "a", y: "b" }), /private P-256 JWK/],
  [
    "TERMINAL_SIGNING_KEY",
    JSON.stringify({ kty: "RSA", n: "x", e: "AQAB", d: longSecret }),
    /private P-256 JWK/,
  ],
  ["TERMINAL_SIGNING_KEY", "[1,2]", /not a JSON object/],
  ["WORKSPACE_TLS_ISSUER", "letsencrypt", /acme, zerossl, internal/],
  ["WORKSPACE_SCHEME", "ftp", /https or http/],
  ["WORKSPACE_PORT", "99999", /port number/],
  ["MAX_LIVE_WORKSPACES_PER_USER", "0", /positive number/],
  ["DEFAULT_IDLE_TIMEOUT_MINUTES", "-5", /positive number/],
  ["IDLE_GRACE_MINUTES", "two", /positive number/],
  ["MAX_LIFETIME_HOURS", "0", /positive number/],
  ["HEARTBEAT_TIMEOUT_MINUTES", "NaN", /positive number/],
  ["AGENT_SHA256_X64", "abc", /SHA-256/],
  ["AGENT_URL_ARM64", "file:///agent", /absolute http\(s\) URL/],
  ["ANTHROPIC_BASE_URL", "api.anthropic.com", /absolute http\(s\) URL/],
  ["ANTHROPIC_BASE_URL", "https://user:sk-ant-secret-value@gateway.test", /must not contain credentials/],
  ["ANTHROPIC_BASE_URL", "https://gateway.test/?key=abc", /no query or fragment/],
  ["VAPID_PRIVATE_KEY", longSecret, /not valid JSON/],
  ["VAPID_PRIVATE_KEY", JSON.stringify({ kty: "EC", crv: "P-256", x: "a", y: "b" }), /private P-256 JWK/],
  ["VAPID_SUBJECT", "ops@berth.dev", /mailto:you@your-domain.com or an https:\/\/ URL/],
  ["VAPID_SUBJECT", "http://berth.dev", /mailto:/],
  ["PUSH_LOCAL_SERVICE_URL", "127.0.0.1:8705", /absolute http\(s\) URL/],
];

describe("checkConfig", () => {
  it("finds nothing wrong with the test env", () => {
    expect(checkConfig(env)).toEqual([]);
  });

  it("warns, without failing, that nothing is pushed while VAPID_PRIVATE_KEY is unset", () => {
    const withoutPush = envWith({ VAPID_PRIVATE_KEY: undefined });
    expect(checkConfig(withoutPush)).toEqual([]);
    expect(configWarnings(withoutPush).map((w) => w.setting)).toContain("VAPID_PRIVATE_KEY");
    expect(configWarnings(env).map((w) => w.setting)).not.toContain("VAPID_PRIVATE_KEY");
  });

  it("accepts optional settings that are set sensibly", () => {
    const ok = envWith({
      WORKSPACE_TLS_ISSUER: "zerossl",
      MAX_LIFETIME_HOURS: "1.5",
      WORKSPACE_DOMAIN: "ws.berth.dev.",
      BERTH_PUBLIC_URL: "https://berth.mine.dev/",
      VAPID_SUBJECT: "mailto:ops@berth.mine.dev",
    });
    expect(checkConfig(ok)).toEqual([]);
  });

  for (const [setting, value, message] of broken) {
    it(`${setting} = ${value === undefined ? "(unset)" : JSON.stringify(value)} gives exactly its message`, () => {
      const problems = checkConfig(envWith({ [setting]: value }));
      expect(problems).toHaveLength(1);
      expect(problems[0]?.setting).toBe(setting);
      expect(problems[0]?.problem).toMatch(message);
      if (value) {
        // No message quotes the value set, whether a secret or not.
        expect(problems[0]?.problem).not.toContain(value.trim());
      }
    });
  }

  it("never echoes a secret, even with everything broken at once", () => {
    const overrides: Record<string, string> = {};
    for (const name of secretSettings) overrides[name] = `${longSecret}-${name}`;
    overrides.TERMINAL_SIGNING_KEY = `{"kty":"EC","d":"${longSecret}"`;
    const problems = checkConfig(envWith(overrides));
    const text = JSON.stringify(problems);
    expect(text).not.toContain(longSecret);
    // ENCRYPTION_KEY (not base64), GITHUB_APP_PRIVATE_KEY (not PEM), TERMINAL_SIGNING_KEY (not
    // JSON); the rest are merely present.
    expect(problems.map((p) => p.setting).sort()).toEqual([
      "ENCRYPTION_KEY",
      "GITHUB_APP_PRIVATE_KEY",
      "TERMINAL_SIGNING_KEY",
    ]);
  });

  it("lists every missing setting, one message each", () => {
    const bare = { DB: env.DB, AGENTS: env.AGENTS } as unknown as Env;
    const problems = checkConfig(bare);
    const settings = problems.map((p) => p.setting);
    expect(new Set(settings).size).toBe(settings.length);
    expect(settings.sort()).toEqual(
      [
        "ALLOWED_GITHUB_LOGINS",
        "BERTH_PUBLIC_URL",
        "BETTER_AUTH_SECRET",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_API_URL",
        "CLOUDFLARE_ZONE_ID",
        "DEPLOYMENT_ID",
        "ENCRYPTION_KEY",
        "GITHUB_API_URL",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_SLUG",
        "GITHUB_CLIENT_ID",
        "GITHUB_CLIENT_SECRET",
        "GITHUB_OAUTH_URL",
        "HETZNER_API_URL",
        "HETZNER_TOKEN",
        "TERMINAL_SIGNING_KEY",
        "WORKSPACE_DOMAIN",
      ].sort(),
    );
    for (const p of problems) expect(p.problem).toMatch(/is not set/);
  });

  it("reports missing bindings", () => {
    const problems = checkConfig(envWith({ DB: undefined, AGENTS: undefined }));
    expect(problems.map((p) => p.setting)).toEqual(["DB", "AGENTS"]);
  });

  it("runs once per env object", () => {
    const e = envWith({});
    expect(configProblems(e)).toBe(configProblems(e));
  });
});

describe("GET /api/health", () => {
  it("is ok with the real test env, without authentication", async () => {
    const res = await SELF.fetch(`${testPublicUrl}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, checks: [], warnings: [] });
  });

  it("is documented in the OpenAPI document", async () => {
    const res = await SELF.fetch(`${testPublicUrl}/api/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/api/health");
  });

  describe("with a broken configuration", () => {
    const app = createApp();
    const brokenEnv = envWith({ HETZNER_TOKEN: undefined, ENCRYPTION_KEY: longSecret });

    it("reports 503 with every problem and the error shape, no values", async () => {
      const res = await app.request("/api/health", {}, brokenEnv);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).not.toContain(longSecret);
      const body = JSON.parse(text) as {
        ok: boolean;
        problems: Array<{ setting: string; problem: string }>;
        error: { code: string; message: string };
      };
      expect(body.ok).toBe(false);
      expect(body.problems.map((p) => p.setting)).toEqual(["HETZNER_TOKEN", "ENCRYPTION_KEY"]);
      expect(body.error.code).toBe("misconfigured");
      expect(body.error.message).toContain("HETZNER_TOKEN");
    });

    it("fails every other API request fast with the same list", async () => {
      for (const path of ["/api/me", "/api/workspaces", "/api/auth/get-session"]) {
        const res = await app.request(path, {}, brokenEnv);
        expect(res.status, path).toBe(503);
        const body = (await res.json()) as { error: { code: string }; problems: unknown[] };
        expect(body.error.code).toBe("misconfigured");
        expect(body.problems).toHaveLength(2);
      }
    });

    it("still serves the OpenAPI document", async () => {
      const res = await app.request("/api/openapi.json", {}, brokenEnv);
      expect(res.status).toBe(200);
    });
  });
});
