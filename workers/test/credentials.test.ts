import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { bootstrapTokenOf, createWorkspace, vmCall, waitForState } from "./support/lifecycle.ts";
import { api, createApiKey } from "./support/session.ts";

interface CredentialsJson {
  claude: { set: boolean; last4: string | null; updated_at: string | null };
}

const keyA = "sk-ant-api03-Zq7Xw9Kp2LmN4vB8cR1tY6uE3oI5aS0dF_gH-jK";
const keyB = "sk-ant-api03-Pp0Oo9Ii8Uu7Yy6Tt5Rr4Ee3Ww2Qq1_Aa-Ss";

const putKey = (headers: Record<string, string>, body: unknown) =>
  api("/api/credentials/claude", {
    method: "PUT",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function status(cookie: string): Promise<CredentialsJson> {
  const res = await api("/api/credentials", { headers: { cookie } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as CredentialsJson;
}

async function storedRow(userId: string) {
  return env.DB.prepare(
    "select claude_api_key_ciphertext as ciphertext, claude_api_key_last4 as last4 from user_credentials where user_id = ?",
  )
    .bind(userId)
    .first<{ ciphertext: string | null; last4: string | null }>();
}

/** Creates a workspace, plays its VM's bootstrap, and returns the Claude key it was handed. */
async function keyHandedToVm(cookie: string): Promise<string | null> {
  const { res, body } = await createWorkspace(cookie);
  expect(res.status).toBe(201);
  const ws = await waitForState(body.id, "booting");
  const boot = await vmCall(body.id, "bootstrap", await bootstrapTokenOf(ws.serverId ?? 0));
  expect(boot.status).toBe(200);
  const secrets = (await boot.json()) as { claude_api_key: string | null };
  expect((await api(`/api/workspaces/${body.id}/stop`, { method: "POST", headers: { cookie } })).status).toBe(
    202,
  );
  await waitForState(body.id, "deleted");
  return secrets.claude_api_key;
}

describe("the Claude API key", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await newUser("cred-a");
    bob = await newUser("cred-b");
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("starts unset", async () => {
    expect(await status(alice.cookie)).toEqual({ claude: { set: false, last4: null, updated_at: null } });
  });

  it("PUT stores it; GET says it is set with its last 4 characters, never the key", async () => {
    const res = await putKey({ cookie: alice.cookie }, { api_key: keyA });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain(keyA.slice(7));
    expect(JSON.parse(text)).toMatchObject({ claude: { set: true, last4: keyA.slice(-4) } });

    const got = await api("/api/credentials", { headers: { cookie: alice.cookie } });
    const gotText = await got.text();
    expect(JSON.parse(gotText)).toMatchObject({
      claude: { set: true, last4: keyA.slice(-4), updated_at: expect.any(String) },
    });
    expect(gotText).not.toContain(keyA.slice(7, 20));
    // Through an API key too, and the status is the same.
    const bearer = await createApiKey(alice.cookie, "cred");
    const viaKey = await api("/api/credentials", { headers: { authorization: `Bearer ${bearer}` } });
    expect(await viaKey.json()).toEqual(JSON.parse(gotText));
  });

  it("is stored encrypted: the D1 row holds no 8-character piece of the key", async () => {
    const row = await storedRow(alice.id);
    expect(row?.ciphertext).toEqual(expect.any(String));
    const ciphertext = row?.ciphertext ?? "";
    expect(ciphertext.length).toBeGreaterThan(keyA.length);
    for (let i = 0; i + 8 <= keyA.length; i++) {
      expect(ciphertext, `piece at ${i}`).not.toContain(keyA.slice(i, i + 8));
    }
    // A fresh seal each time: the same key stored twice gives different ciphertexts.
    expect((await putKey({ cookie: alice.cookie }, { api_key: keyA })).status).toBe(200);
    expect((await storedRow(alice.id))?.ciphertext).not.toBe(ciphertext);
  });

  it("is per user: another user's status says unset", async () => {
    expect((await status(bob.cookie)).claude).toMatchObject({ set: false, last4: null });
  });

  it.each([
    ["missing", {}],
    ["too short", { api_key: "abc" }],
    ["sk-ant- plus 5 characters", { api_key: "sk-ant-abcde" }],
    ["with a space inside", { api_key: "sk-ant-api03-abcdefgh ijklmnopqrstuv" }],
    ["a number", { api_key: 123456789012345 }],
    ["not an Anthropic key", { api_key: "sk-proj-abcdefghijklmnopqrstuvwxyz" }],
    ["with an unknown field", { api_key: keyB, extra: true }],
  ])("a key %s -> 422, and the stored key is unchanged", async (_, body) => {
    await expectError(await putKey({ cookie: alice.cookie }, body), 422, "validation_failed");
    expect((await status(alice.cookie)).claude).toMatchObject({ set: true, last4: keyA.slice(-4) });
  });

  it("malformed JSON -> 400 and an oversized body -> 413", async () => {
    await expectError(await putKey({ cookie: alice.cookie }, '{"api_key":'), 400, "bad_request");
    await expectError(
      await putKey({ cookie: alice.cookie }, { api_key: keyB, pad: "x".repeat(100_000) }),
      413,
      "payload_too_large",
    );
    expect((await status(alice.cookie)).claude.last4).toBe(keyA.slice(-4));
  });

  it("unauthenticated requests -> 401 and change nothing", async () => {
    await expectError(await api("/api/credentials"), 401, "unauthorized");
    await expectError(await putKey({}, { api_key: keyB }), 401, "unauthorized");
    await expectError(await api("/api/credentials/claude", { method: "DELETE" }), 401, "unauthorized");
    await expectError(
      await putKey({ authorization: "Bearer berth_not-a-real-key" }, { api_key: keyB }),
      401,
      "unauthorized",
    );
    expect((await status(alice.cookie)).claude.last4).toBe(keyA.slice(-4));
  });

  it("a workspace's bootstrap hands over the key set at that time, and only its owner's", async () => {
    expect(await keyHandedToVm(alice.cookie)).toBe(keyA);
    expect(await keyHandedToVm(bob.cookie)).toBeNull();
    expect((await putKey({ cookie: alice.cookie }, { api_key: keyB })).status).toBe(200);
    expect((await status(alice.cookie)).claude.last4).toBe(keyB.slice(-4));
    expect(await keyHandedToVm(alice.cookie)).toBe(keyB);
  });

  it("DELETE clears it: status unset, no ciphertext left, and new VMs get no key", async () => {
    const res = await api("/api/credentials/claude", { method: "DELETE", headers: { cookie: alice.cookie } });
    expect(res.status).toBe(204);
    expect((await status(alice.cookie)).claude).toMatchObject({ set: false, last4: null });
    const row = await storedRow(alice.id);
    expect(row?.ciphertext ?? null).toBeNull();
    expect(row?.last4 ?? null).toBeNull();
    expect(await keyHandedToVm(alice.cookie)).toBeNull();
    // Deleting again is harmless.
    expect(
      (await api("/api/credentials/claude", { method: "DELETE", headers: { cookie: alice.cookie } })).status,
    ).toBe(204);
  });
});
