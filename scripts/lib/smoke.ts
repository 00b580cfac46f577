// What a newcomer does after the first command, scripted: sign in through the GitHub stand-in,
// create an API key, call GET /api/me with it. The test suite runs it to prove `scripts/dev` works.

function storeCookies(res: Response, jar: Map<string, string>) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const eq = pair?.indexOf("=") ?? -1;
    if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

export async function smokeTest(
  baseUrl: string,
  login = "alice",
): Promise<{ email: string; apiKey: string }> {
  const jar = new Map<string, string>();
  const json = { "content-type": "application/json", origin: baseUrl };
  const start = await fetch(`${baseUrl}/api/auth/sign-in/social`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ provider: "github", callbackURL: "/" }),
  });
  if (!start.ok) throw new Error(`sign-in failed: ${start.status} ${await start.text()}`);
  storeCookies(start, jar);
  const authorize = new URL(((await start.json()) as { url: string }).url);
  authorize.searchParams.set("login", login);
  const approved = await fetch(authorize, { redirect: "manual" });
  const callback = approved.headers.get("location");
  if (!callback) throw new Error(`GitHub stand-in did not redirect: ${approved.status}`);
  const done = await fetch(callback, { redirect: "manual", headers: { cookie: cookieHeader(jar) } });
  storeCookies(done, jar);
  const created = await fetch(`${baseUrl}/api/keys`, {
    method: "POST",
    headers: { ...json, cookie: cookieHeader(jar) },
    body: JSON.stringify({ name: "smoke test" }),
  });
  if (created.status !== 201) throw new Error(`create key failed: ${created.status} ${await created.text()}`);
  const { key } = (await created.json()) as { key: string };
  const me = await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${key}` } });
  if (!me.ok) throw new Error(`GET /api/me with the key failed: ${me.status} ${await me.text()}`);
  return { ...((await me.json()) as { email: string }), apiKey: key };
}
