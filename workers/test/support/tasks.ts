/** Tasks against the real stand-ins: a private repo on the GitHub stand-in with the App installed. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { TestUser } from "./api-cases.ts";
import { bootstrapTokenOf, hetzner, vmCall, waitFor, waitForState } from "./lifecycle.ts";
import { api } from "./session.ts";

const githubOrigin = () => new URL(env.GITHUB_API_URL).origin;

/** A control call on the GitHub stand-in (`/__berth/...`) that answers JSON. */
export async function github<T = Record<string, unknown>>(
  path: string,
  method = "GET",
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${githubOrigin()}/__berth/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`github control ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A private repository owned by the user, with the App installed on their account. */
export async function privateRepo(user: TestUser, name = "shop"): Promise<string> {
  await github("repos", "POST", {
    owner: user.login,
    name,
    private: true,
    default_branch: "main",
    files: { "README.md": "# shop\n" },
  });
  await github(`installations/${user.login}`, "PUT", {});
  return `${user.login}/${name}`;
}

/** What the agent's push does: a commit on the task's branch, from main. */
export async function pushCommit(repo: string, branch: string): Promise<string> {
  const { sha } = await github<{ sha: string }>(`repos/${repo}/commits`, "POST", {
    branch,
    from: "main",
    files: { "fix.txt": "fixed\n" },
    message: "Fix the flaky test",
  });
  return sha;
}

/** GitHub's REST API, as the App's installation on `account`. */
export async function githubApi<T>(account: string, path: string): Promise<{ status: number; json: T }> {
  const { token } = await github<{ token: string }>("tokens", "POST", { account });
  const res = await fetch(`${githubOrigin()}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" },
  });
  return { status: res.status, json: (await res.json()) as T };
}

export interface TaskJson {
  id: string;
  workspace_id: string;
  status: string;
  reason: string | null;
  branch: string;
  turns: number;
  pr: { number: number; url: string } | null;
  summary: string;
  workspace_state: string;
  messages: Array<{ seq: number; text: string; state: string }>;
  tokens: { input: number; output: number };
  claude_cost_usd: number;
  vm_cost_eur: number;
  [key: string]: unknown;
}

export async function postTask(cookie: string, body: Record<string, unknown>) {
  return api("/api/tasks", { method: "POST", headers: { cookie }, body: JSON.stringify(body) });
}

export async function getTask(cookie: string, id: string): Promise<TaskJson> {
  const res = await api(`/api/tasks/${id}`, { headers: { cookie } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as TaskJson;
}

export interface StartedTask {
  task: TaskJson;
  callbackToken: string;
  bootstrap: { task: Record<string, unknown> | null; callback_token: string };
  userData: string;
}

/** Creates a task over the API and plays its VM: booting, bootstrap (which carries the job), ready. */
export async function startTask(cookie: string, body: Record<string, unknown>): Promise<StartedTask> {
  const res = await postTask(cookie, body);
  expect(res.status, await res.clone().text()).toBe(201);
  const task = (await res.json()) as TaskJson;
  const ws = await waitForState(task.workspace_id, "booting");
  const state = (await hetzner.state()) as { servers: Array<{ id: number; user_data: string | null }> };
  const userData = state.servers.find((s) => s.id === ws.serverId)?.user_data ?? "";
  const boot = await vmCall(task.workspace_id, "bootstrap", await bootstrapTokenOf(ws.serverId ?? 0));
  expect(boot.status).toBe(200);
  const bootstrap = (await boot.json()) as StartedTask["bootstrap"];
  const ready = await vmCall(task.workspace_id, "ready", bootstrap.callback_token, { runtime: "host" });
  expect(ready.status).toBe(200);
  return { task, callbackToken: bootstrap.callback_token, bootstrap, userData };
}

export function event(seq: number, kind: string, extra: Record<string, unknown> = {}, turn = 0) {
  return { seq, at: new Date().toISOString(), turn, kind, text: `event ${seq}`, ...extra };
}

export function sendEvents(t: { task: TaskJson; callbackToken: string }, events: unknown[]) {
  return vmCall(t.task.workspace_id, "task/events", t.callbackToken, { task_id: t.task.id, events });
}

export function sendResult(t: { task: TaskJson; callbackToken: string }, result: Record<string, unknown>) {
  return vmCall(t.task.workspace_id, "task/result", t.callbackToken, {
    task_id: t.task.id,
    turn: 0,
    outcome: "succeeded",
    branch: t.task.branch,
    commits: 0,
    head_sha: null,
    pushed: false,
    summary: "",
    ...result,
  });
}

export async function waitForTask(cookie: string, id: string, pass: (t: TaskJson) => boolean, what: string) {
  return waitFor(`task ${id}: ${what}`, async () => {
    const t = await getTask(cookie, id);
    return pass(t) ? t : null;
  });
}
