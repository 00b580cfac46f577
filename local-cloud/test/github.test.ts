import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
const CLIENT = { client_id: "local-github-client", client_secret: "local-github-secret" };
const REDIRECT = "http://127.0.0.1:8787/api/auth/callback/github";

beforeAll(async () => {
  cloud = await startEphemeral();
});
afterAll(() => cloud.stop());

function authorizeUrl(extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    client_id: CLIENT.client_id,
    redirect_uri: REDIRECT,
    state: "st-123",
    scope: "read:user user:email",
    ...extra,
  });
  return `${cloud.urls.github}/login/oauth/authorize?${q}`;
}

async function codeFor(login: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await fetch(authorizeUrl({ login, ...extra }), { redirect: "manual" });
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get("location") ?? "");
  expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
  expect(loc.searchParams.get("state")).toBe("st-123");
  return loc.searchParams.get("code") ?? "";
}

async function exchange(code: string, json = true, secret = CLIENT.client_secret) {
  const res = await fetch(`${cloud.urls.github}/login/oauth/access_token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(json ? { accept: "application/json" } : {}),
    },
    body: new URLSearchParams({ ...CLIENT, client_secret: secret, code, redirect_uri: REDIRECT }),
  });
  expect(res.status).toBe(200);
  return res;
}

describe("github oauth stand-in", () => {
  it("runs the whole flow: authorize with login -> code -> token -> /user and /user/emails", async () => {
    const code = await codeFor("alice");
    const tokenRes = await exchange(code);
    const token = (await tokenRes.json()) as Record<string, string>;
    expect(token).toMatchObject({ token_type: "bearer", scope: "read:user,user:email" });
    expect(token.access_token).toMatch(/^gho_[A-Za-z0-9]{36}$/);

    const user = await fetch(`${cloud.urls.github}/user`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({
      login: "alice",
      id: 1001,
      email: "alice@example.test",
      name: "Alice Liddell",
    });
    expect(user.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(user.headers.get("x-ratelimit-remaining")).toBe("4999");
    expect(Number(user.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);

    const emails = await fetch(`${cloud.urls.github}/user/emails`, {
      headers: { authorization: `token ${token.access_token}` },
    });
    expect(await emails.json()).toContainEqual({
      email: "alice@example.test",
      primary: true,
      verified: true,
      visibility: "public",
    });
  });

  it("refuses a reused code with bad_verification_code (status 200)", async () => {
    const code = await codeFor("bob");
    expect(((await (await exchange(code)).json()) as { access_token?: string }).access_token).toBeTruthy();
    const again = (await (await exchange(code)).json()) as Record<string, string>;
    expect(again.error).toBe("bad_verification_code");
    expect(again.error_description).toBe("The code passed is incorrect or expired.");
    expect(again.error_uri).toMatch(/^https:\/\/docs\.github\.com\//);
    const junk = (await (await exchange("0000")).json()) as Record<string, string>;
    expect(junk.error).toBe("bad_verification_code");
  });

  it("rejects a wrong client secret, and answers form-encoded without Accept: json", async () => {
    const code = await codeFor("alice");
    const bad = (await (await exchange(code, true, "wrong")).json()) as Record<string, string>;
    expect(bad.error).toBe("incorrect_client_credentials");
    const form = await exchange(code, false); // the code survived the failed attempt
    expect(form.headers.get("content-type")).toMatch(/application\/x-www-form-urlencoded/);
    const params = new URLSearchParams(await form.text());
    expect(params.get("access_token")).toMatch(/^gho_/);
    expect(params.get("token_type")).toBe("bearer");
  });

  it("gives carol a private email: null on /user, present on /user/emails", async () => {
    const token = ((await (await exchange(await codeFor("carol"))).json()) as { access_token: string })
      .access_token;
    const user = (await (
      await fetch(`${cloud.urls.github}/user`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Record<string, unknown>;
    expect(user).toMatchObject({ login: "carol", id: 1003, email: null });
    const emails = (await (
      await fetch(`${cloud.urls.github}/user/emails`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Array<Record<string, unknown>>;
    expect(emails.find((e) => e.primary)).toMatchObject({ email: "carol@example.test", verified: true });
  });

  it("accepts client credentials as HTTP Basic auth and serves avatars at its own origin", async () => {
    const code = await codeFor("bob");
    const basic = Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString("base64");
    const res = await fetch(`${cloud.urls.github}/login/oauth/access_token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        accept: "application/json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ code, redirect_uri: REDIRECT }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    expect(access_token).toMatch(/^gho_/);
    const user = (await (
      await fetch(`${cloud.urls.github}/user`, {
        headers: { authorization: `Bearer ${access_token}`, host: "api.github.com" },
      })
    ).json()) as { avatar_url: string; id: number };
    expect(user.id).toBe(1002);
    expect(user.avatar_url).toBe(`${cloud.urls.github}/avatars/bob.svg`);
    const avatar = await fetch(user.avatar_url);
    expect(avatar.headers.get("content-type")).toBe("image/svg+xml");
    expect(await avatar.text()).toContain("<svg");
  });

  it("answers 401 Bad credentials for unknown tokens", async () => {
    const res = await fetch(`${cloud.urls.github}/user`, { headers: { authorization: "Bearer gho_nope" } });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, string>;
    expect(body.message).toBe("Bad credentials");
    expect(body.documentation_url).toMatch(/^https:\/\/docs\.github\.com/);
    expect((await fetch(`${cloud.urls.github}/user`)).status).toBe(401);
  });

  it("shows a sign-in page with one button per user, whose form approves and redirects", async () => {
    const page = await fetch(authorizeUrl());
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toContain("Sign in to Berth (local GitHub stand-in)");
    for (const login of ["alice", "bob", "carol"]) expect(text).toContain(`value="${login}"`);
    expect(text).toContain('action="/login/oauth/authorize/approve"');
    const approve = await fetch(`${cloud.urls.github}/login/oauth/authorize/approve`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: CLIENT.client_id,
        redirect_uri: REDIRECT,
        state: "s2",
        login: "bob",
      }),
    });
    expect(approve.status).toBe(302);
    const loc = new URL(approve.headers.get("location") ?? "");
    expect(loc.searchParams.get("state")).toBe("s2");
    expect(loc.searchParams.get("code")).toMatch(/^[0-9a-f]{20}$/);
  });

  it("shows a 400 error page for an unknown client_id", async () => {
    const res = await fetch(authorizeUrl({ client_id: "evil", login: "alice" }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("evil");
  });

  it("expires codes after ten minutes", async () => {
    const code = cloud.github.issueCode(CLIENT.client_id, REDIRECT, "read:user", "alice");
    const realNow = Date.now;
    Date.now = () => realNow() + 10 * 60 * 1000 + 1000;
    try {
      const body = (await (await exchange(code)).json()) as Record<string, string>;
      expect(body.error).toBe("bad_verification_code");
    } finally {
      Date.now = realNow;
    }
  });
});

describe("github stand-in: PKCE, orgs, email verification", () => {
  const control = (path: string, method: string, body?: unknown) =>
    fetch(`${cloud.urls.github}/__berth/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
  const challenge = createHash("sha256").update(verifier).digest("base64url");

  async function exchangeWith(code: string, codeVerifier?: string) {
    const res = await fetch(`${cloud.urls.github}/login/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        ...CLIENT,
        code,
        redirect_uri: REDIRECT,
        ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
      }),
    });
    return (await res.json()) as Record<string, string>;
  }

  it("checks code_verifier against an S256 code_challenge, refusing a mismatch like GitHub", async () => {
    const pkce = { code_challenge: challenge, code_challenge_method: "S256" };
    const wrong = await exchangeWith(await codeFor("alice", pkce), "not-the-verifier");
    expect(wrong).toMatchObject({ error: "bad_verification_code" });
    expect(wrong.error_description).toMatch(/code_verifier/);
    expect(await exchangeWith(await codeFor("alice", pkce))).toMatchObject({
      error: "bad_verification_code",
    });
    const right = await exchangeWith(await codeFor("alice", pkce), verifier);
    expect(right.access_token).toMatch(/^gho_/);
  });

  it("lists a user's orgs with GitHub's pagination, private memberships only with read:org", async () => {
    for (let i = 0; i < 3; i++) expect((await control(`orgs/org-${i}/members/dora`, "PUT")).status).toBe(200);
    await control("orgs/public-org/members/dora", "PUT", { public: true });
    const full = cloud.github.mintToken("dora", "read:user,user:email,read:org");
    const page1 = await fetch(`${cloud.urls.github}/user/orgs?per_page=2`, {
      headers: { authorization: `Bearer ${full}` },
    });
    expect(page1.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    expect(((await page1.json()) as Array<{ login: string }>).map((o) => o.login)).toEqual([
      "org-0",
      "org-1",
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get("link") ?? "")?.[1];
    expect(next).toContain("page=2");
    const page2 = await fetch(next ?? "", { headers: { authorization: `Bearer ${full}` } });
    expect(((await page2.json()) as Array<{ login: string }>).map((o) => o.login)).toEqual([
      "org-2",
      "public-org",
    ]);
    expect(page2.headers.get("link")).not.toContain('rel="next"');

    const narrow = cloud.github.mintToken("dora", "read:user,user:email");
    const publicOnly = await fetch(`${cloud.urls.github}/user/orgs`, {
      headers: { authorization: `Bearer ${narrow}` },
    });
    expect(((await publicOnly.json()) as Array<{ login: string }>).map((o) => o.login)).toEqual([
      "public-org",
    ]);

    await control("orgs/org-1/members/dora", "DELETE");
    const after = await fetch(`${cloud.urls.github}/user/orgs`, {
      headers: { authorization: `Bearer ${full}` },
    });
    expect(((await after.json()) as Array<{ login: string }>).map((o) => o.login)).not.toContain("org-1");
  });

  it("can make a user's primary email unverified (and then keeps it off /user)", async () => {
    expect(
      (await control("users/eve/email", "PUT", { email: "alice@example.test", verified: false })).status,
    ).toBe(200);
    const token = cloud.github.mintToken("eve");
    const headers = { authorization: `Bearer ${token}` };
    const emails = (await (await fetch(`${cloud.urls.github}/user/emails`, { headers })).json()) as Array<
      Record<string, unknown>
    >;
    expect(emails.find((e) => e.primary)).toMatchObject({ email: "alice@example.test", verified: false });
    expect(await (await fetch(`${cloud.urls.github}/user`, { headers })).json()).toMatchObject({
      email: null,
    });
  });
});
