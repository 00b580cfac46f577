import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, freshLogin, signIn } from "./support/session.ts";

describe("GitHub login through the stand-in", () => {
  it("creates a user row on first login and the session cookie authenticates /api/me", async () => {
    const login = freshLogin("newcomer");
    const email = `${login}@example.test`;
    const count = () =>
      env.DB.prepare("select count(*) as n from user where email = ?").bind(email).first<{ n: number }>();
    expect((await count())?.n).toBe(0);

    const cookie = await signIn(login);
    const me = await api("/api/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, authenticated_via: "session" });

    expect((await count())?.n).toBe(1);
    const account = await env.DB.prepare(
      "select a.provider_id from account a join user u on u.id = a.user_id where u.email = ?",
    )
      .bind(email)
      .first();
    expect(account).toMatchObject({ provider_id: "github" });
  });

  it("a second login reuses the same user", async () => {
    const login = freshLogin("returning");
    await signIn(login);
    await signIn(login);
    const rows = await env.DB.prepare("select count(*) as n from user where email = ?")
      .bind(`${login}@example.test`)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("finds a private email through /user/emails", async () => {
    const cookie = await signIn("carol");
    const me = (await (await api("/api/me", { headers: { cookie } })).json()) as { email: string };
    expect(me.email).toMatch(/^carol@/);
  });

  it("signing out ends the session", async () => {
    const cookie = await signIn("alice");
    const out = await api("/api/auth/sign-out", { method: "POST", headers: { cookie }, body: "{}" });
    expect(out.status).toBe(200);
    expect((await api("/api/me", { headers: { cookie } })).status).toBe(401);
  });

  it("a forged OAuth callback (unknown state) creates no session", async () => {
    const res = await api("/api/auth/callback/github?code=forged&state=forged");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("error");
    expect(res.headers.getSetCookie().join(";")).not.toContain("session_token=");
  });
});
