import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../src/config/check.ts";
import type { Env } from "../src/env.ts";
import {
  AppKeyError,
  GitHubError,
  importAppKey,
  signAppJwt,
  workspaceTokenPermissions,
} from "../src/providers/github-app/index.ts";
import { FakeGitHub, fakeGithubDeps } from "./support/github-fake.ts";

const pemToDer = (pem: string) =>
  Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));

const derToPem = (label: string, der: ArrayBuffer) => {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)?.join("\n")}\n-----END ${label}-----\n`;
};

const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** Verifies a JWT the way GitHub does: RS256 with the App's public key. Returns its claims. */
async function verify(jwt: string, spkiPem: string) {
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const key = await crypto.subtle.importKey(
    "spki",
    pemToDer(spkiPem),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    key,
    fromB64url(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  return {
    ok,
    header: JSON.parse(new TextDecoder().decode(fromB64url(h))) as Record<string, unknown>,
    claims: JSON.parse(new TextDecoder().decode(fromB64url(p))) as { iat: number; exp: number; iss: string },
  };
}

describe("the App JWT", () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);

  it("is signed RS256 with the PKCS#1 key GitHub hands out, and verifies with its public key", async () => {
    expect(env.GITHUB_APP_PRIVATE_KEY).toContain("BEGIN RSA PRIVATE KEY");
    const jwt = await signAppJwt(await importAppKey(env.GITHUB_APP_PRIVATE_KEY), env.GITHUB_APP_ID, now);
    const { ok, header, claims } = await verify(jwt, env.TEST_GITHUB_APP_PUBLIC_KEY);
    expect(ok).toBe(true);
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(claims.iss).toBe(env.GITHUB_APP_ID);
    expect(claims.iat).toBe(now / 1000 - 60);
    // GitHub refuses an exp more than 10 minutes ahead.
    expect(claims.exp).toBeGreaterThan(now / 1000);
    expect(claims.exp).toBeLessThanOrEqual(now / 1000 + 600);
  });

  it("also accepts a PKCS#8 key, and a PEM pasted with literal \\n escapes", async () => {
    const pair = (await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const pkcs8 = derToPem(
      "PRIVATE KEY",
      (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer,
    );
    const spki = derToPem(
      "PUBLIC KEY",
      (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer,
    );
    for (const pem of [pkcs8, pkcs8.replace(/\n/g, "\\n")]) {
      const jwt = await signAppJwt(await importAppKey(pem), "77", now);
      expect((await verify(jwt, spki)).ok).toBe(true);
    }
    expect(checkConfig({ ...(env as unknown as Env), GITHUB_APP_PRIVATE_KEY: pkcs8 })).toEqual([]);
  });

  it("refuses what is not an RSA key, without quoting it", async () => {
    const ec = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
    ])) as CryptoKeyPair;
    const ecPem = derToPem(
      "PRIVATE KEY",
      (await crypto.subtle.exportKey("pkcs8", ec.privateKey)) as ArrayBuffer,
    );
    const err = await importAppKey(ecPem).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppKeyError);
    expect(String(err)).not.toContain(ecPem.slice(40, 80));
  });
});

describe("the GitHub App client (in-test fake of GitHub's App endpoints)", () => {
  it("mints installation tokens for exactly one repository with contents and pull requests write", async () => {
    const fake = new FakeGitHub();
    fake.installations.push({
      id: 11,
      account: "acme",
      users: [],
      repos: [
        { owner: "acme", name: "api" },
        { owner: "acme", name: "web" },
      ],
    });
    const { app } = fakeGithubDeps(fake);
    const token = await app.installationToken(11, "api");
    expect(token.token).toMatch(/^ghs_/);
    expect(Date.parse(token.expiresAt)).toBeGreaterThan(Date.now());
    const request = fake.seen.at(-1);
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/app/installations/11/access_tokens");
    expect(request?.body).toEqual({
      repositories: ["api"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    expect(workspaceTokenPermissions).toEqual({ contents: "write", pull_requests: "write" });
    // Authenticated as the App: a JWT that verifies with the App's public key.
    const jwt = request?.authorization?.replace(/^Bearer /, "") ?? "";
    expect((await verify(jwt, env.TEST_GITHUB_APP_PUBLIC_KEY)).ok).toBe(true);
  });

  it("looks installations up as the App; not installed is null, not an error", async () => {
    const fake = new FakeGitHub();
    fake.installations.push({ id: 12, account: "acme", users: [], repos: [{ owner: "acme", name: "api" }] });
    const { app } = fakeGithubDeps(fake);
    expect(await app.repoInstallation("acme", "api")).toBe(12);
    expect(await app.repoInstallation("acme", "secret")).toBeNull();
    expect(fake.seen.map((r) => r.path)).toEqual([
      "/repos/acme/api/installation",
      "/repos/acme/secret/installation",
    ]);
  });

  it("turns GitHub's errors into GitHubError with GitHub's message and no token", async () => {
    const fake = new FakeGitHub();
    fake.installations.push({
      id: 13,
      account: "acme",
      users: [],
      suspended: true,
      repos: [{ owner: "acme", name: "api" }],
    });
    const { app } = fakeGithubDeps(fake);
    const err = (await app.installationToken(13, "api").catch((e: unknown) => e)) as GitHubError;
    expect(err).toBeInstanceOf(GitHubError);
    expect(err.status).toBe(403);
    expect(err.message).toBe("This installation has been suspended");
    expect(JSON.stringify({ ...err, message: err.message })).not.toMatch(/eyJ|ghs_/);
  });
});
