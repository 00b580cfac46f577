import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createTask } from "../../src/tasks/create.ts";
import { updateWorkspace } from "../../src/workspaces/store.ts";
import { cleanUpUser, newUser, ownerRows, type TestUser } from "./api-cases.ts";
import {
  bootstrapTokenOf,
  createWorkspace,
  depsAt,
  load,
  vmCall,
  waitFor,
  waitForState,
} from "./lifecycle.ts";
import { api } from "./session.ts";
import { asleepWorkspace, putPart, startSnapshot, uploadSnapshot } from "./snapshots.ts";

export interface Key {
  id: string;
  key: string;
}

/**
 * Two users and everything the owner has that nobody else may touch or see: workspaces, keys,
 * tokens, a Claude key, a repository URL. Built once per test file through the real API.
 */
export interface MatrixFixture {
  owner: TestUser;
  other: TestUser;
  ownerKey: Key;
  otherKey: Key;
  /** An owner key for revokeApiKey to delete. */
  spareKey: Key;
  /** Owner keys that no longer work: one past its expiry, one revoked. */
  expiredKey: Key;
  revokedKey: Key;
  repoUrl: string;
  claudeKey: string;
  /** The owner's workspace that is ready, with the callback token its VM holds. */
  main: { id: string; callbackToken: string };
  /** The owner's workspace whose VM has not redeemed its one-time bootstrap token yet. */
  fresh: { id: string; bootstrapToken: string };
  /** Another user's ready workspace: its VM's token must open nothing of the owner's. */
  otherVm: { id: string; callbackToken: string };
  /** Workspaces the owner creates during the run (createWorkspace), for deleteWorkspace. */
  created: string[];
  /** Snapshots of the main workspace: one verified, one still uploading (its part 0 stored). */
  snapshots: { verified: string; uploading: string };
  /** The owner's workspace that is asleep on a verified snapshot, for wakeWorkspace. */
  asleep: { id: string };
  /** The owner's task, whose workspace failed (it holds no live slot and no VM). */
  task: { id: string; prompt: string };
}

export async function createKey(cookie: string, name: string): Promise<Key> {
  const res = await api("/api/keys", { method: "POST", headers: { cookie }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  const { id, key } = (await res.json()) as Key;
  return { id, key };
}

async function bootingWorkspace(cookie: string, repoUrl: string) {
  const { res, body } = await createWorkspace(cookie, { repo_url: repoUrl });
  expect(res.status, JSON.stringify(body)).toBe(201);
  const ws = await waitForState(body.id, "booting");
  return { id: body.id, bootstrapToken: await bootstrapTokenOf(ws.serverId ?? 0) };
}

async function readyWorkspace(cookie: string, repoUrl: string) {
  const { id, bootstrapToken } = await bootingWorkspace(cookie, repoUrl);
  const boot = await vmCall(id, "bootstrap", bootstrapToken);
  expect(boot.status).toBe(200);
  const { callback_token } = (await boot.json()) as { callback_token: string };
  expect((await vmCall(id, "ready", callback_token, { runtime: "host" })).status).toBe(200);
  return { id, callbackToken: callback_token };
}

export async function buildFixture(): Promise<MatrixFixture> {
  const owner = await newUser("owner");
  const other = await newUser("other");
  const tag = crypto.randomUUID().replaceAll("-", "");
  const repoUrl = `https://git.example.test/owner-${tag.slice(0, 8)}/private-${tag.slice(8, 20)}.git`;
  const claudeKey = `sk-ant-api03-${tag}${tag}`;
  const put = await api("/api/credentials/claude", {
    method: "PUT",
    headers: { cookie: owner.cookie },
    body: JSON.stringify({ api_key: claudeKey }),
  });
  expect(put.status).toBe(200);

  const expiredKey = await createKey(owner.cookie, "expired");
  // The api-key plugin checks expires_at on every use; moving it into the past expires the key.
  await env.DB.prepare("update apikey set expires_at = ? where id = ?")
    .bind(Date.now() - 60_000, expiredKey.id)
    .run();
  const revokedKey = await createKey(owner.cookie, "revoked");
  const revoke = await api(`/api/keys/${revokedKey.id}`, {
    method: "DELETE",
    headers: { cookie: owner.cookie },
  });
  expect(revoke.status).toBe(204);

  // First, while the owner has no live workspace: its workspace fails at once and frees the slot.
  const deps = depsAt();
  const prompt = `matrix task ${tag}`;
  const { task } = await createTask(deps, owner.id, { repo: repoUrl, prompt });
  await updateWorkspace(deps.db, task.workspaceId, { state: "failed", cleanedUpAt: new Date() });
  const main = await readyWorkspace(owner.cookie, repoUrl);
  const verified = await uploadSnapshot(main.id, main.callbackToken, "checkpoint", new Uint8Array(100));
  const { snapshot_id: uploading } = await startSnapshot(main.id, main.callbackToken, "checkpoint");
  expect((await putPart(main.id, main.callbackToken, uploading, 0, new Uint8Array(0))).status).toBe(200);
  const asleep = await asleepWorkspace(owner.cookie, new Uint8Array(100));
  return {
    owner,
    other,
    ownerKey: await createKey(owner.cookie, "owner"),
    otherKey: await createKey(other.cookie, "other"),
    spareKey: await createKey(owner.cookie, "spare"),
    expiredKey,
    revokedKey,
    repoUrl,
    claudeKey,
    main,
    fresh: await bootingWorkspace(owner.cookie, repoUrl),
    otherVm: await readyWorkspace(other.cookie, "https://github.com/octocat/Hello-World.git"),
    created: [],
    snapshots: { verified, uploading },
    asleep: { id: asleep.id },
    task: { id: task.id, prompt },
  };
}

/** Strings that identify the owner or unlock something of theirs: none may reach anyone else. */
export function ownerSecrets(fx: MatrixFixture): Array<[string, string]> {
  const sessionToken = /session_token=([^;.]+)/.exec(fx.owner.cookie)?.[1] ?? "";
  return [
    ["owner user id", fx.owner.id],
    ["owner login", fx.owner.login],
    ["owner session token", sessionToken],
    ["repo URL", fx.repoUrl],
    ["repo path", new URL(fx.repoUrl).pathname],
    // Workspaces are named after their repository by default.
    ["repo name", fx.repoUrl.slice(fx.repoUrl.lastIndexOf("/") + 1, -".git".length)],
    ["Claude key", fx.claudeKey],
    ["main workspace id", fx.main.id],
    ["fresh workspace id", fx.fresh.id],
    ["callback token", fx.main.callbackToken],
    ["bootstrap token", fx.fresh.bootstrapToken],
    ["task id", fx.task.id],
    ["task prompt", fx.task.prompt],
    ...[fx.ownerKey, fx.spareKey, fx.expiredKey, fx.revokedKey].flatMap(
      (k): Array<[string, string]> => [
        ["API key", k.key],
        ["API key id", k.id],
      ],
    ),
    ...fx.created.map((id): [string, string] => ["created workspace id", id]),
  ];
}

/**
 * Fails naming the first owner secret found in a body shown to someone else. What the caller sent
 * itself (`sent`: URL, headers, body) is no leak when echoed, e.g. a repo URL they asked for.
 */
export function expectNoLeak(fx: MatrixFixture, label: string, body: string, sent = "") {
  for (const [what, value] of ownerSecrets(fx)) {
    if (value.length < 6) throw new Error(`${what} is too short to scan for`);
    if (sent.includes(value)) continue;
    expect(body.includes(value), `${label} leaks the owner's ${what}: ${body.slice(0, 300)}`).toBe(false);
  }
}

/**
 * Stops everything both users have, once no workspace is still being provisioned: a stop that
 * lands while a server is being created can leave its DNS record behind until the next sweep,
 * which would break other test files' invariant checks.
 */
export async function cleanUpFixture(fx: MatrixFixture) {
  for (const user of [fx.owner, fx.other]) {
    for (const row of await ownerRows(user.id)) {
      await waitFor(`workspace ${row.id} to be provisioned`, async () => {
        const ws = await load(row.id);
        // A wake (the matrix wakes the asleep workspace) provisions a server just the same.
        return ws.state !== "creating" && ws.state !== "provisioning" && ws.state !== "waking";
      });
    }
    await cleanUpUser(user);
  }
}
