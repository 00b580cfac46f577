import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { CloudServer } from "../../src/providers/types.ts";
import { createWorkspace, depsAt, load, recordsOf, serversOf, waitFor } from "./lifecycle.ts";
import { api, freshLogin, signIn } from "./session.ts";

/** A signed-in user the control plane has never seen, with its id (for labels and D1 lookups). */
export interface TestUser {
  login: string;
  id: string;
  cookie: string;
}

export async function newUser(prefix = "api"): Promise<TestUser> {
  const login = freshLogin(prefix);
  const cookie = await signIn(login);
  const me = await api("/api/me", { headers: { cookie } });
  if (me.status !== 200) throw new Error(`/api/me: ${me.status}`);
  const { id } = (await me.json()) as { id: string };
  return { login, id, cookie };
}

export interface ErrorJson {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

/** The one error shape, with the status and code the caller expects. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = JSON.parse(text) as ErrorJson;
  expect(body.error.code, text).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

export interface WorkspaceJson {
  id: string;
  name: string;
  state: string;
  state_reason: string | null;
  repo_url: string;
  branch: string | null;
  server_type: string;
  location: string;
  hostname: string;
  url: string;
  idle_timeout_minutes: number;
  created_at: string;
  ended_at: string | null;
}

export interface WorkspacePage {
  workspaces: WorkspaceJson[];
  next_cursor: string | null;
}

export async function listPage(cookie: string, query = ""): Promise<WorkspacePage> {
  const res = await api(`/api/workspaces${query ? `?${query}` : ""}`, { headers: { cookie } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as WorkspacePage;
}

/** Every workspace the listing shows, following next_cursor to the end. */
export async function listAll(cookie: string, query = ""): Promise<WorkspaceJson[]> {
  const out: WorkspaceJson[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const params = new URLSearchParams(query);
    if (cursor) params.set("cursor", cursor);
    const page = await listPage(cookie, params.toString());
    out.push(...page.workspaces);
    cursor = page.next_cursor;
    if (!cursor) return out;
  }
  throw new Error("listing never ended");
}

/** Servers local-cloud holds for this user, by the owner label every Berth server carries. */
export function ownerServers(userId: string): Promise<CloudServer[]> {
  return depsAt().servers.listServers(`berth.owner=${userId}`);
}

/** Workspace rows in D1 for this user, hidden or not. */
export async function ownerRows(
  userId: string,
): Promise<Array<{ id: string; state: string; hidden: number }>> {
  const { results } = await env.DB.prepare(
    "select id, state, hidden from workspaces where owner_id = ? order by created_at",
  )
    .bind(userId)
    .all<{ id: string; state: string; hidden: number }>();
  return results;
}

/** Creates a workspace and expects it to be accepted. */
export async function created(
  cookie: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<WorkspaceJson> {
  const { res, body: json } = await createWorkspace(cookie, body, headers);
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json as unknown as WorkspaceJson;
}

export async function waitForTerminal(id: string, ms = 10_000) {
  return waitFor(
    `workspace ${id} to end`,
    async () => {
      const ws = await load(id);
      return ws.state === "deleted" || ws.state === "failed" ? ws : null;
    },
    ms,
  );
}

/** Nothing left in local-cloud for this workspace: no server, no DNS record. */
export async function expectNothingLeft(id: string) {
  expect(await serversOf(id), `servers of ${id}`).toHaveLength(0);
  expect(await recordsOf(id), `DNS records of ${id}`).toHaveLength(0);
}

/**
 * Stops every live workspace of the user through the API and waits for each to end, so no server is
 * left in the local-cloud the test files share. Fails if one is left behind.
 */
export async function cleanUpUser(user: TestUser) {
  for (const row of await ownerRows(user.id)) {
    if (row.state === "deleted" || row.state === "failed") continue;
    // A delete, not a stop: a stop of a ready workspace is a sleep, which keeps it (asleep).
    const res = await api(`/api/workspaces/${row.id}`, {
      method: "DELETE",
      headers: { cookie: user.cookie },
    });
    expect(res.status).toBe(202);
  }
  for (const row of await ownerRows(user.id)) await waitForTerminal(row.id);
  await waitFor(
    `servers of ${user.login} to be gone`,
    async () => (await ownerServers(user.id)).length === 0,
  );
}
