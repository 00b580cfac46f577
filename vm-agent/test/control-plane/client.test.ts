import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { backoffDelay, parseRetryAfter } from "../../src/control-plane/retry.ts";
import { loadOrRedeemSecrets, readSecrets } from "../../src/control-plane/secrets.ts";
import { createShutdownRequester } from "../../src/control-plane/shutdown.ts";
import { fakeControlPlane } from "./fake.ts";

const TOKEN = "cb_0123456789abcdefghijklmnop";
const BOOT = "bt_0123456789abcdefghijklmnop";
const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function setup(routes: Parameters<typeof fakeControlPlane>[0] = {}) {
  const cp = fakeControlPlane(routes);
  stops.push(cp.stop);
  const sleeps: number[] = [];
  const client = createControlPlaneClient({
    baseUrl: `${cp.url}/`,
    workspaceId: "ws1",
    retry: { attempts: 5, baseMs: 10, maxMs: 40 },
    // Real sleeps, recorded, so the test can check the backoff that was honoured.
    sleep: (ms) => {
      sleeps.push(ms);
      return Bun.sleep(ms);
    },
  });
  client.setCallbackToken(TOKEN);
  return { cp, client, sleeps };
}

const hb = {
  last_human_input_at: null,
  claude: { state: "idle" as const },
  open_terminals: 0,
  idle: { idle_seconds: 0, warning: false, shutdown_at: null },
};

describe("control-plane client", () => {
  test("posts to the protocol's paths with the bearer token", async () => {
    const { cp, client } = setup();
    expect((await client.progress({ step: "clone", message: "cloning" })).ok).toBe(true);
    expect((await client.ready({ runtime: "host" })).ok).toBe(true);
    expect((await client.heartbeat(hb)).ok).toBe(true);
    expect(cp.requests.map((r) => r.path)).toEqual([
      "/api/vm/workspaces/ws1/progress",
      "/api/vm/workspaces/ws1/ready",
      "/api/vm/workspaces/ws1/heartbeat",
    ]);
    expect(cp.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(cp.requests[1]?.body).toEqual({ runtime: "host" });
  });

  test("secrets: a GET with the callback token, no body; a malformed answer is an error naming no value", async () => {
    let answer: unknown = { user_secrets: { API_TOKEN: "v-Qx7" }, secrets_generation: 2 };
    const methods: string[] = [];
    const { cp, client } = setup({
      secrets: () => Response.json(answer),
    });
    const spy = createControlPlaneClient({
      baseUrl: cp.url,
      workspaceId: "ws1",
      fetch: (async (url: string, init: RequestInit) => {
        methods.push(`${init.method} ${init.body === undefined ? "no body" : "body"}`);
        return fetch(url, init);
      }) as typeof fetch,
    });
    spy.setCallbackToken(TOKEN);
    expect(await spy.secrets()).toMatchObject({
      ok: true,
      data: { user_secrets: { API_TOKEN: "v-Qx7" }, secrets_generation: 2 },
    });
    expect(methods).toEqual(["GET no body"]);
    expect(cp.of("secrets")[0]?.auth).toBe(`Bearer ${TOKEN}`);
    answer = { user_secrets: { API_TOKEN: 5 }, secrets_generation: 2, leak: "v-Qx7" };
    const bad = await client.secrets();
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain("v-Qx7");
  });

  test("retries 5xx and network errors with backoff, then succeeds", async () => {
    const { cp, client, sleeps } = setup({
      progress: (_r, n) => (n <= 2 ? new Response("oops", { status: 502 }) : Response.json({})),
    });
    const r = await client.progress({ step: "x", message: "y" });
    expect(r).toMatchObject({ ok: true, attempts: 3 });
    expect(cp.of("progress")).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((s) => s >= 0 && s <= 40)).toBe(true);

    const dead = createControlPlaneClient({
      baseUrl: "http://127.0.0.1:1",
      workspaceId: "ws1",
      retry: { attempts: 3, baseMs: 1, maxMs: 2 },
    });
    dead.setCallbackToken(TOKEN);
    expect(await dead.ready({ runtime: "host" })).toMatchObject({ ok: false, retryable: true, attempts: 3 });
  });

  test("honours Retry-After on 429", async () => {
    const { cp, client, sleeps } = setup({
      heartbeat: (_r, n) =>
        n === 1
          ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
          : Response.json({}),
    });
    const t = Date.now();
    expect((await client.heartbeat(hb)).ok).toBe(true);
    expect(sleeps).toEqual([1000]);
    const hbs = cp.of("heartbeat");
    expect((hbs[1]?.at ?? 0) - (hbs[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
  });

  test("4xx is not retried", async () => {
    const { cp, client } = setup({
      ready: () => Response.json({ error: { code: "unauthorized", message: "no" } }, { status: 401 }),
    });
    expect(await client.ready({ runtime: "host" })).toMatchObject({
      ok: false,
      status: 401,
      retryable: false,
      error: "ready: HTTP 401 (unauthorized)",
    });
    expect(cp.of("ready")).toHaveLength(1);
  });

  test("a bad or non-JSON bootstrap response is an error, not a crash", async () => {
    const { client } = setup({
      bootstrap: (_r, n) =>
        n === 1
          ? new Response("<html>gateway</html>", { status: 200 })
          : Response.json({ callback_token: 5 }),
    });
    expect(await client.bootstrap(BOOT)).toMatchObject({
      ok: false,
      error: "bootstrap: response is not JSON",
    });
    const second = await client.bootstrap(BOOT);
    expect(second.ok).toBe(false);
    expect(second.ok ? "" : second.error).toContain("unexpected response");
  });

  test("an invalid request body is never sent", async () => {
    const { cp, client } = setup();
    const r = await client.progress({ step: "", message: "x" });
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(cp.requests).toHaveLength(0);
  });

  test("backoff and Retry-After helpers", () => {
    const p = { attempts: 5, baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, p, () => 0.999)).toBe(99);
    expect(backoffDelay(10, p, () => 0.5)).toBe(500);
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });
});

describe("shutdown", () => {
  test("control plane fails twice then succeeds: exactly one successful request", async () => {
    let successes = 0;
    const { cp, client } = setup({
      shutdown: (_r, n) => {
        if (n <= 2) return new Response("down", { status: 503 });
        successes++;
        return Response.json({ ok: true });
      },
    });
    const sd = createShutdownRequester({
      client,
      retry: { attempts: Number.POSITIVE_INFINITY, baseMs: 5, maxMs: 20 },
    });
    const first = sd.request("idle");
    // The idle loop keeps ticking and asking; nothing new is sent.
    const again = [sd.request("idle"), sd.request("max_lifetime")];
    expect(await first).toBe(true);
    expect(await Promise.all(again)).toEqual([true, true]);
    expect(await sd.request("idle")).toBe(true);
    expect(sd.state).toBe("done");
    expect(successes).toBe(1);
    expect(cp.of("shutdown").map((r) => r.body)).toEqual([
      { reason: "idle" },
      { reason: "idle" },
      { reason: "idle" },
    ]);
  });

  test("a 4xx refusal ends the retrying", async () => {
    const { cp, client } = setup({ shutdown: () => new Response("gone", { status: 404 }) });
    const sd = createShutdownRequester({
      client,
      retry: { attempts: Number.POSITIVE_INFINITY, baseMs: 5, maxMs: 20 },
    });
    expect(await sd.request("idle")).toBe(false);
    expect(sd.state).toBe("refused");
    expect(cp.of("shutdown")).toHaveLength(1);
  });
});

describe("bootstrap secrets", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  test("redeems once, stores 0600, and reuses the file on restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-secrets-"));
    dirs.push(dir);
    const path = join(dir, "etc", "secrets.json");
    const { cp, client } = setup({
      bootstrap: (r, n) =>
        n === 1 && r.auth === `Bearer ${BOOT}`
          ? Response.json({
              callback_token: TOKEN,
              claude_api_key: "sk-ant-test",
              user_secrets: { DATABASE_URL: "postgres://u:p@db/x" },
            })
          : Response.json({ error: { code: "conflict", message: "already redeemed" } }, { status: 409 }),
    });
    const first = await loadOrRedeemSecrets({ path, client, bootstrapToken: BOOT });
    const secrets = {
      callback_token: TOKEN,
      claude_api_key: "sk-ant-test",
      user_secrets: { DATABASE_URL: "postgres://u:p@db/x" },
    };
    expect(first).toEqual({ ok: true, source: "redeemed", secrets });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "etc"))).mode & 0o777).toBe(0o700);

    const second = await loadOrRedeemSecrets({ path, client, bootstrapToken: BOOT });
    expect(second).toEqual({ ok: true, source: "stored", secrets });
    expect(cp.of("bootstrap")).toHaveLength(1);
  });

  test("a second redemption that the control plane refuses is an error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-secrets-"));
    dirs.push(dir);
    const path = join(dir, "secrets.json");
    await writeFile(path, "{broken");
    expect(await readSecrets(path)).toBeNull();
    const { client } = setup({
      bootstrap: () => Response.json({ error: { code: "conflict" } }, { status: 409 }),
    });
    expect(await loadOrRedeemSecrets({ path, client, bootstrapToken: BOOT })).toEqual({
      ok: false,
      error: "bootstrap: HTTP 409 (conflict)",
    });
  });
});
