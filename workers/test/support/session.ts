import { SELF } from "cloudflare:test";
import { testPublicUrl } from "./test-env.ts";

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
 * Signs in through the real OAuth round trip: Berth -> GitHub stand-in (over HTTP, choosing `login`)
 * -> Berth's callback. Returns the session cookie header.
 */
export async function signIn(login: string): Promise<string> {
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
  const done = await SELF.fetch(callback, { redirect: "manual", headers: { cookie: cookiesFrom(start) } });
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
