import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { createWorkspace, readyWorkspace, vmCall, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

interface Environment {
  secrets_generation: number;
  applied_generation: number;
  restart: "none" | "pending" | "applied";
}
interface Detail {
  state: string;
  secrets_changed_since_start: boolean;
  environment: Environment;
}

const putSecret = (cookie: string, name: string, body: unknown) =>
  api(`/api/secrets/${name}`, { method: "PUT", headers: { cookie }, body: JSON.stringify(body) });

const restart = (cookie: string, id: string) =>
  api(`/api/workspaces/${id}/environment/restart`, { method: "POST", headers: { cookie } });

const fetchSecrets = (id: string, token?: string) =>
  api(`/api/vm/workspaces/${id}/secrets`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function detail(cookie: string, id: string): Promise<Detail> {
  const res = await api(`/api/workspaces/${id}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as Detail;
}

async function events(cookie: string, id: string): Promise<string[]> {
  const res = await api(`/api/workspaces/${id}/events`, { headers: { cookie } });
  const { events } = (await res.json()) as { events: Array<{ type: string; message: string }> };
  return events.filter((e) => e.type === "environment").map((e) => e.message);
}

const beat = (secretsGeneration?: number) => ({
  last_human_input_at: null,
  claude: { state: "idle" },
  open_terminals: 1,
  idle: { idle_seconds: 0, warning: false, shutdown_at: null },
  ...(secretsGeneration === undefined ? {} : { secrets_generation: secretsGeneration }),
});

async function heartbeat(id: string, token: string, applied?: number) {
  const res = await vmCall(id, "heartbeat", token, beat(applied));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as { secrets_generation: number };
}

describe("restart of a workspace's environment", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await newUser("env-a");
    bob = await newUser("env-b");
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("a secret changed while the workspace runs reaches its agent after a restart, and the dashboard follows", async () => {
    expect((await putSecret(alice.cookie, "API_TOKEN", { value: "first-Qx7" })).status).toBe(201);
    const ws = await readyWorkspace(alice.cookie);
    expect((await detail(alice.cookie, ws.id)).environment.restart).toBe("none");
    expect((await heartbeat(ws.id, ws.callbackToken, 0)).secrets_generation).toBe(0);

    expect((await putSecret(alice.cookie, "API_TOKEN", { value: "rotated-Pw8" })).status).toBe(200);
    expect((await detail(alice.cookie, ws.id)).secrets_changed_since_start).toBe(true);

    const asked = await restart(alice.cookie, ws.id);
    expect(asked.status).toBe(202);
    expect(await asked.json()).toEqual({ secrets_generation: 1, applied_generation: 0, restart: "pending" });
    expect((await detail(alice.cookie, ws.id)).environment.restart).toBe("pending");
    expect(await events(alice.cookie, ws.id)).toEqual([
      expect.stringContaining("restart of the environment"),
    ]);

    // The agent learns of it in its heartbeat's answer and fetches the current values.
    expect((await heartbeat(ws.id, ws.callbackToken, 0)).secrets_generation).toBe(1);
    const fetched = await fetchSecrets(ws.id, ws.callbackToken);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual({
      user_secrets: { API_TOKEN: "rotated-Pw8" },
      secrets_generation: 1,
    });
    expect((await detail(alice.cookie, ws.id)).secrets_changed_since_start).toBe(false);

    await heartbeat(ws.id, ws.callbackToken, 1);
    const after = await detail(alice.cookie, ws.id);
    expect(after.environment).toEqual({ secrets_generation: 1, applied_generation: 1, restart: "applied" });
    const timeline = await events(alice.cookie, ws.id);
    expect(timeline).toHaveLength(2);
    expect(timeline[1]).toContain("new terminals get them");
    for (const message of timeline) expect(message).not.toContain("rotated-Pw8");

    // A second heartbeat says nothing new; an agent cannot claim a restart nobody asked for.
    await heartbeat(ws.id, ws.callbackToken, 1);
    await heartbeat(ws.id, ws.callbackToken, 9);
    expect((await detail(alice.cookie, ws.id)).environment.applied_generation).toBe(1);
    expect(await events(alice.cookie, ws.id)).toHaveLength(2);
  });

  it("the secrets endpoint answers only this workspace's token, with only its repository's secrets", async () => {
    expect(
      (
        await putSecret(alice.cookie, "OTHER_REPO_TOKEN", {
          value: "other-Zk4",
          repositories: ["acme/other"],
        })
      ).status,
    ).toBe(201);
    const mine = await readyWorkspace(alice.cookie);
    const theirs = await readyWorkspace(bob.cookie);
    const res = await fetchSecrets(mine.id, mine.callbackToken);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain("other-Zk4");
    expect(text).not.toContain("OTHER_REPO_TOKEN");
    await expectError(await fetchSecrets(mine.id, theirs.callbackToken), 401, "unauthorized");
    await expectError(await fetchSecrets(mine.id), 401, "unauthorized");
    await expectError(await fetchSecrets(theirs.id, mine.callbackToken), 401, "unauthorized");
    await expectError(await fetchSecrets("nosuchworkspace1", mine.callbackToken), 401, "unauthorized");
  });

  it("another person's workspace is a 404 and changes nothing; a workspace not ready is a 409", async () => {
    const ws = await readyWorkspace(alice.cookie);
    await expectError(await restart(bob.cookie, ws.id), 404, "not_found");
    await expectError(await restart(bob.cookie, "nosuchworkspace1"), 404, "not_found");
    expect((await detail(alice.cookie, ws.id)).environment.secrets_generation).toBe(0);

    const { body } = await createWorkspace(bob.cookie);
    await waitForState(body.id, "booting");
    await expectError(await restart(bob.cookie, body.id), 409, "conflict");
    expect((await detail(bob.cookie, body.id)).environment.secrets_generation).toBe(0);

    // Delete, not stop: a stop on a ready workspace now sleeps (and waits for its snapshot).
    expect(
      (await api(`/api/workspaces/${ws.id}`, { method: "DELETE", headers: { cookie: alice.cookie } })).status,
    ).toBe(202);
    await waitForState(ws.id, "deleted");
    await expectError(await restart(alice.cookie, ws.id), 409, "conflict");
    await expectError(await fetchSecrets(ws.id, ws.callbackToken), 409, "conflict");
  });
});
