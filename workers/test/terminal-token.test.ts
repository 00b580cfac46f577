import { env } from "cloudflare:workers";
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, created, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { readyWorkspace, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

interface TerminalTokenJson {
  token: string;
  expires_at: string;
  url: string;
}

/** The public half of the Worker's signing key: what cloud-init hands the agent. */
async function publicKey() {
  const { d, ...pub } = JSON.parse(env.TERMINAL_SIGNING_KEY) as Record<string, unknown>;
  expect(d, "the signing key is a private JWK").toEqual(expect.any(String));
  expect(pub).toMatchObject({ kty: "EC", crv: "P-256" });
  return importJWK(pub as JWK, "ES256");
}

const askToken = (cookie: string, id: string) =>
  api(`/api/workspaces/${id}/terminal-token`, { method: "POST", headers: { cookie } });

describe("terminal tokens", () => {
  let alice: TestUser;
  let bob: TestUser;
  let ready: string;
  beforeAll(async () => {
    alice = await newUser("term-a");
    bob = await newUser("term-b");
    ready = (await readyWorkspace(alice.cookie)).id;
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("409 conflict while the workspace is not ready", async () => {
    const ws = await created(alice.cookie);
    await expectError(await askToken(alice.cookie, ws.id), 409, "conflict");
    await waitForState(ws.id, "booting");
    const body = await expectError(await askToken(alice.cookie, ws.id), 409, "conflict");
    expect(body.error.message).toContain("booting");
    expect(
      (await api(`/api/workspaces/${ws.id}/stop`, { method: "POST", headers: { cookie: alice.cookie } }))
        .status,
    ).toBe(202);
    await waitForState(ws.id, "deleted");
    await expectError(await askToken(alice.cookie, ws.id), 409, "conflict");
  });

  it("once ready: an ES256 JWT from iss berth, for this workspace and user, valid for 60 s", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await askToken(alice.cookie, ready);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text) as TerminalTokenJson;
    expect(decodeProtectedHeader(body.token).alg).toBe("ES256");
    const { payload, protectedHeader } = await jwtVerify(body.token, await publicKey(), {
      algorithms: ["ES256"],
      issuer: "berth",
      audience: ready,
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload.sub).toBe(alice.id);
    expect(payload.aud).toBe(ready);
    expect(payload.iss).toBe("berth");
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
    expect(payload.iat ?? 0).toBeGreaterThanOrEqual(before - 1);
    expect(payload.iat ?? 0).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    expect(Date.parse(body.expires_at)).toBe((payload.exp ?? 0) * 1000);
    // A unique jti per token: the agent accepts each token once.
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    const again = (await (await askToken(alice.cookie, ready)).json()) as TerminalTokenJson;
    const second = await jwtVerify(again.token, await publicKey(), { audience: ready });
    expect(second.payload.jti).not.toBe(payload.jti);
    expect(body.url).toBe(`http://${ready}.localhost:8788/?token=${body.token}`);
    expect(new URL(body.url).searchParams.get("token")).toBe(body.token);
  });

  it("is signed by the Worker's key only: a token from another key does not verify", async () => {
    const { token } = (await (await askToken(alice.cookie, ready)).json()) as TerminalTokenJson;
    const other = await generateKeyPair("ES256", { extractable: true });
    const otherPub = await importJWK(await exportJWK(other.publicKey), "ES256");
    await expect(jwtVerify(token, otherPub, { issuer: "berth", audience: ready })).rejects.toThrow();
  });

  it("another user gets 404 for the workspace, as if it did not exist", async () => {
    const res = await askToken(bob.cookie, ready);
    const body = await expectError(res, 404, "not_found");
    expect(JSON.stringify(body)).not.toMatch(/eyJ/);
  });

  it("a token for workspace A does not verify as a token for workspace B", async () => {
    const b = await readyWorkspace(alice.cookie);
    const tokenA = ((await (await askToken(alice.cookie, ready)).json()) as TerminalTokenJson).token;
    const tokenB = ((await (await askToken(alice.cookie, b.id)).json()) as TerminalTokenJson).token;
    const key = await publicKey();
    await expect(jwtVerify(tokenA, key, { issuer: "berth", audience: b.id })).rejects.toThrow(/aud/);
    await expect(jwtVerify(tokenB, key, { issuer: "berth", audience: ready })).rejects.toThrow(/aud/);
    expect((await jwtVerify(tokenB, key, { issuer: "berth", audience: b.id })).payload.sub).toBe(alice.id);
    await api(`/api/workspaces/${b.id}`, { method: "DELETE", headers: { cookie: alice.cookie } });
    await waitForState(b.id, "deleted");
  });

  it("no token once the workspace is going to sleep, stopping or gone", async () => {
    const b = await readyWorkspace(alice.cookie);
    expect((await askToken(alice.cookie, b.id)).status).toBe(200);
    expect(
      (await api(`/api/workspaces/${b.id}/stop`, { method: "POST", headers: { cookie: alice.cookie } }))
        .status,
    ).toBe(202);
    await expectError(await askToken(alice.cookie, b.id), 409, "conflict");
    expect(
      (await api(`/api/workspaces/${b.id}`, { method: "DELETE", headers: { cookie: alice.cookie } })).status,
    ).toBe(202);
    await expectError(await askToken(alice.cookie, b.id), 409, "conflict");
    await waitForState(b.id, "deleted");
  });
});
