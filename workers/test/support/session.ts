import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { testOrg, testPublicUrl } from "./test-env.ts";

/** A control call on the GitHub stand-in (`/__berth/...`). */
export async function githubControl(path: string, method: string, body?: unknown): Promise<void> {
  const res = await fetch(`${new URL(env.GITHUB_API_URL).origin}/__berth/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`github control ${method} ${path}: ${res.status}`);
}

/** Makes a stand-in user a member of the org the tests' allow-list names. */
export const invite = (login: string) => githubControl(`orgs/${testOrg}/members/${login}`, "PUT");

/** Cookie header value from a response's Set-Cookie headers (name=value pairs only). */
export function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has("content-type"))
    headers.set("content-type", "application/json");
  if (!headers.has("origin")) headers.set("origin", testPublicUrl);
  return SELF.fetch(`${testPublicUrl}${path}`, { ...init, headers, redirect: "manual" });
}

/**
 * The OAuth round trip: Berth -> GitHub stand-in (over HTTP, choosing `login`) -> Berth's callback.
 * Returns the callback's response, whatever it is.
 */
export async function oauthRoundTrip(login: string): Promise<Response> {
  const start = await api("/api/auth/sign-in/social", {
    method: "POST",
    body: JSON.stringify({ provider: "github", callbackURL: "/" }),
  });
  if (start.status !== 200) throw new Error(`sign-in start: ${start.status} ${await start.text()}`);
  const { url } = (await start.json()) as { url: string };
  const authorize = new URL(url);
  authorize.searchParams.set("login", login);
  const approved = await fetch(authorize, { redirect: "manual" });
  const callback = approved.headers.get("location");
  if (approved.status !== 302 || !callback) throw new Error(`authorize: ${approved.status}`);
  return SELF.fetch(callback, { redirect: "manual", headers: { cookie: cookiesFrom(start) } });
}

/** Signs in (as an invited member of the tests' org) and returns the session cookie header. */
export async function signIn(login: string): Promise<string> {
  await invite(login);
  const done = await oauthRoundTrip(login);
  if (done.status !== 302) throw new Error(`callback: ${done.status} ${await done.text()}`);
  const cookie = cookiesFrom(done);
  if (!cookie.includes("session_token")) throw new Error(`no session cookie: ${cookie}`);
  return cookie;
}

export async function createApiKey(cookie: string, name = "test key"): Promise<string> {
  const res = await api("/api/keys", { method: "POST", headers: { cookie }, body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** A GitHub login the control plane has never seen (the stand-in mints it on first use). */
export function freshLogin(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Signs in and also returns the user's id (for calling domain functions directly). */
export async function signInWithId(login: string): Promise<{ cookie: string; userId: string }> {
  const cookie = await signIn(login);
  const me = (await (await api("/api/me", { headers: { cookie } })).json()) as { id: string };
  return { cookie, userId: me.id };
}
