import type { Context } from "hono";

/**
 * A bare page for signing in and managing API keys until the dashboard (pages/) replaces it.
 * It talks only to the public REST API, like any client.
 */
export const homePage = (c: Context) => c.html(html);

const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Berth</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #888;background:#f6f8fa;cursor:pointer}
button.primary{background:#1f6feb;color:#fff;border-color:#1f6feb}
code,pre{background:#f3f4f6;border-radius:4px;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}
.error{color:#b42318}.key{word-break:break-all;background:#fff8c5;padding:.5rem;border-radius:6px}
li{margin:.3rem 0}
</style></head><body>
<h1>Berth</h1>
<div id="app">Loading…</div>
<script type="module">
const app = document.getElementById("app");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => "&#" + ch.charCodeAt(0) + ";");
async function api(path, init = {}) {
  const res = await fetch(path, { credentials: "include", headers: { "content-type": "application/json" }, ...init });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? res.statusText);
  return body;
}
async function signIn() {
  const { url } = await api("/api/auth/sign-in/social", { method: "POST", body: JSON.stringify({ provider: "github", callbackURL: location.origin + "/" }) });
  location.href = url;
}
async function render(newKey) {
  let me;
  try { me = await api("/api/me"); } catch {
    app.innerHTML = '<p>Sign in to manage workspaces and API keys.</p><button class="primary" id="signin">Sign in with GitHub</button>';
    document.getElementById("signin").onclick = () => signIn().catch((e) => alert(e.message));
    return;
  }
  const { api_keys } = await api("/api/keys");
  app.innerHTML = '<p>Signed in as <b>' + esc(me.name) + '</b> (' + esc(me.email) + ') <button id="signout">Sign out</button></p>' +
    '<h2>API keys</h2>' + (newKey ? '<p>New key (shown once, copy it now):</p><p class="key" id="newkey">' + esc(newKey) + '</p>' +
    '<pre>curl -H "Authorization: Bearer ' + esc(newKey) + '" ' + esc(location.origin) + '/api/me</pre>' : '') +
    '<form id="create"><input name="name" placeholder="Key name" required maxlength="64"> <button class="primary">Create key</button> <span class="error" id="err"></span></form>' +
    '<ul>' + (api_keys.length ? api_keys.map((k) => '<li><code>' + esc(k.start) + '…</code> ' + esc(k.name) + ' <button data-id="' + esc(k.id) + '">Revoke</button></li>').join("") : '<li>No keys yet.</li>') + '</ul>';
  document.getElementById("signout").onclick = async () => { await api("/api/auth/sign-out", { method: "POST", body: "{}" }); render(); };
  document.getElementById("create").onsubmit = async (ev) => {
    ev.preventDefault();
    try { const k = await api("/api/keys", { method: "POST", body: JSON.stringify({ name: ev.target.name.value }) }); render(k.key); }
    catch (e) { document.getElementById("err").textContent = e.message; }
  };
  for (const b of app.querySelectorAll("button[data-id]")) b.onclick = async () => { await api("/api/keys/" + b.dataset.id, { method: "DELETE" }); render(); };
}
render();
</script></body></html>`;
