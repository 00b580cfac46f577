import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { githubProvider } from "../src/auth/github.ts";
import { checkConfig } from "../src/config/check.ts";
import {
  api,
  cookiesFrom,
  createApiKey,
  freshLogin,
  githubControl,
  invite,
  oauthRoundTrip,
  signIn,
  signInWithId,
} from "./support/session.ts";
import { testPublicUrl } from "./support/test-env.ts";

const count = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .first<{ n: number }>()
  )?.n ?? 0;

const rowsWritten = async () => ({
  users: await count("select count(*) as n from user"),
  accounts: await count("select count(*) as n from account"),
  sessions: await count("select count(*) as n from session"),
});

describe("only invited people get in", () => {
  it("a GitHub account on neither list sees the 'not invited' page and nothing is written", async () => {
    const login = freshLogin("stranger");
    const before = await rowsWritten();
    const done = await oauthRoundTrip(login);
    expect(done.status).toBe(302);
    const location = new URL(done.headers.get("location") ?? "", testPublicUrl);
    expect(location.pathname).toBe("/api/not-invited");
    expect(done.headers.getSetCookie().join(";")).not.toContain("session_token=");
    expect(await rowsWritten()).toEqual(before);
    expect(await count("select count(*) as n from user where email = ?", `${login}@example.test`)).toBe(0);

    const page = await api(`${location.pathname}${location.search}`);
    expect(page.status).toBe(403);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Not invited to this Berth");
    expect(html).toContain(`@${login}`);
    expect(html).toContain('href="/"');
  });

  it("a login on ALLOWED_GITHUB_LOGINS gets in without any org", async () => {
    const done = await oauthRoundTrip("bob");
    expect(done.status).toBe(302);
    const me = await api("/api/me", { headers: { cookie: cookiesFrom(done) } });
    expect(me.status).toBe(200);
  });

  it("a member of an org on ALLOWED_GITHUB_ORGS gets in, and sign-in asked GitHub for read:org", async () => {
    const login = freshLogin("member");
    await invite(login);
    const start = await api("/api/auth/sign-in/social", {
      method: "POST",
      body: JSON.stringify({ provider: "github", callbackURL: "/" }),
    });
    const { url } = (await start.json()) as { url: string };
    expect(new URL(url).searchParams.get("scope")?.split(" ")).toContain("read:org");
    const done = await oauthRoundTrip(login);
    expect((await api("/api/me", { headers: { cookie: cookiesFrom(done) } })).status).toBe(200);
  });

  it("asks for read:org only when orgs decide", () => {
    expect(githubProvider({ ...env, ALLOWED_GITHUB_ORGS: "" }).scopes).not.toContain("read:org");
    expect(githubProvider(env).scopes).toContain("read:org");
  });

  it("someone taken off the lists is refused on the next request, by session and by API key", async () => {
    const login = freshLogin("leaver");
    const cookie = await signIn(login);
    const key = await createApiKey(cookie);
    const app = createApp();
    const narrowed = { ...env, ALLOWED_GITHUB_ORGS: "another-org" };
    const both: Array<Record<string, string>> = [{ cookie }, { authorization: `Bearer ${key}` }];
    for (const headers of both) {
      expect((await app.request("/api/me", { headers }, env)).status).toBe(200);
      const refused = await app.request("/api/me", { headers }, narrowed);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("not_invited");
      const workspaces = await app.request("/api/workspaces", { headers }, narrowed);
      expect(workspaces.status).toBe(403);
    }
  });

  it("with neither list set, the configuration check reports it", () => {
    const problems = checkConfig({ ...env, ALLOWED_GITHUB_LOGINS: "", ALLOWED_GITHUB_ORGS: " " });
    expect(problems.map((p) => p.setting)).toContain("ALLOWED_GITHUB_LOGINS");
    expect(checkConfig(env).map((p) => p.setting)).not.toContain("ALLOWED_GITHUB_LOGINS");
  });
});

describe("GitHub identity", () => {
  it("an unverified GitHub email never links to the Berth user who owns that address", async () => {
    const victim = await signInWithId(freshLogin("victim"));
    const victimEmail = (
      (await (await api("/api/me", { headers: { cookie: victim.cookie } })).json()) as {
        email: string;
      }
    ).email;
    const attacker = freshLogin("squatter");
    await githubControl(`users/${attacker}/email`, "PUT", { email: victimEmail, verified: false });
    const cookie = await signIn(attacker);
    const me = (await (await api("/api/me", { headers: { cookie } })).json()) as {
      id: string;
      email: string;
    };
    expect(me.id).not.toBe(victim.userId);
    expect(me.email).not.toBe(victimEmail);
    expect(me.email).toMatch(/@users\.noreply\.github\.com$/);
    expect(await count("select count(*) as n from account where user_id = ?", victim.userId)).toBe(1);
  });

  it("uses PKCE: the authorize URL carries an S256 challenge and a tampered one gets no session", async () => {
    const login = freshLogin("pkce");
    await invite(login);
    const start = await api("/api/auth/sign-in/social", {
      method: "POST",
      body: JSON.stringify({ provider: "github", callbackURL: "/" }),
    });
    const authorize = new URL(((await start.json()) as { url: string }).url);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    authorize.searchParams.set("code_challenge", "A".repeat(43));
    authorize.searchParams.set("login", login);
    const approved = await fetch(authorize, { redirect: "manual" });
    const done = await SELF.fetch(approved.headers.get("location") ?? "", {
      redirect: "manual",
      headers: { cookie: cookiesFrom(start) },
    });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toContain("error");
    expect(done.headers.getSetCookie().join(";")).not.toContain("session_token=");
  });
});
