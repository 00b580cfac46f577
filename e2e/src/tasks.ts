// What the tasks e2e reads outside the browser: the API as the signed-in person (their cookie), the
// stand-ins' records (Anthropic, GitHub, Hetzner, Cloudflare, the push service) and the VMs left.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { baseUrl, localCloud, vmContainers } from "./system.ts";
import { json } from "./ui.ts";

export const github = "http://127.0.0.1:8703";
export const anthropic = "http://127.0.0.1:8704/__berth/anthropic";
export const pushService = "http://127.0.0.1:8705";

export interface TaskJson {
  id: string;
  workspace_id: string;
  branch: string;
  status: string;
  reason: string | null;
  turns: number;
  summary: string;
  commits: number;
  pushed: boolean;
  pr: { number: number; url: string } | null;
  workspace_state: string;
  finished_at: string | null;
  messages: Array<{ seq: number; state: string }>;
}

/** The API with the page's session (same origin, as the dashboard calls it). */
export async function callApi<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const res = await page.request.fetch(`${baseUrl}${path}`, {
    method,
    headers: { origin: baseUrl, "content-type": "application/json" },
    ...(body === undefined ? {} : { data: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export const taskOf = (page: Page, id: string) => callApi<TaskJson>(page, "GET", `/api/tasks/${id}`);

export async function script(steps: unknown[]) {
  await fetch(`${anthropic}/script`, { method: "DELETE" });
  const res = await fetch(`${anthropic}/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ steps }),
  });
  if (res.status !== 201) throw new Error(`script: ${res.status} ${await res.text()}`);
}

export interface MessagesRecord {
  kind: string;
  messageCount: number;
  lastUserText: string | null;
  userTexts: string[];
}
export const mainRequests = async () =>
  (await json<MessagesRecord[]>(`${anthropic}/requests`)).filter((r) => r.kind === "main");

/** What is left of a workspace's VM: servers (Hetzner), DNS records (Cloudflare), containers. */
export async function vmLeft(workspaceId: string) {
  const hetzner = await json<{ servers: Array<{ labels: Record<string, string> }> }>(
    `${localCloud.hetzner}/__berth/state`,
  );
  const dns = await json<{ records: Array<{ name: string }> }>(`${localCloud.cloudflare}/__berth/state`);
  return {
    servers: hetzner.servers.filter((s) => s.labels["berth.workspace"] === workspaceId).length,
    records: dns.records.filter((r) => r.name.includes(workspaceId)).length,
    containers: vmContainers().length,
  };
}

export const nothingLeft = { servers: 0, records: 0, containers: 0 };

/** The stand-in's commits on a branch of alice/private-notes (newest first). */
export async function branchCommits(branch: string) {
  const res = await fetch(
    `${github}/__berth/repos/alice/private-notes/commits?branch=${encodeURIComponent(branch)}&max=10`,
  );
  if (res.status === 404) return [];
  const log = (await res.json()) as {
    commits: Array<{ sha: string; message: string; author_name: string; author_email: string }>;
  };
  return log.commits;
}

/** A file on a branch, fetched over git with an installation token (the repo is private). */
export async function fileOn(branch: string, path: string): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), "berth-e2e-fetch-"));
  try {
    // The token reaches git through the environment, never its command line.
    const env = { ...process.env, E2E_TOKEN: await appToken(), GIT_TERMINAL_PROMPT: "0" };
    const helper = "credential.helper=!f() { echo username=x-access-token; echo password=$E2E_TOKEN; }; f";
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", helper, ...args], { cwd: dir, env, encoding: "utf8" });
    git("init", "-q", "--bare");
    git("fetch", "-q", `${github}/alice/private-notes.git`, `refs/heads/${branch}:refs/heads/probe`);
    return git("show", `probe:${path}`);
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function pullRequest(number: number) {
  const token = await appToken();
  return json<{ number: number; title: string; body: string | null; head: { ref: string }; state: string }>(
    `${github}/repos/alice/private-notes/pulls/${number}`,
    { headers: { authorization: `token ${token}` } },
  );
}

async function appToken(): Promise<string> {
  const t = await json<{ token: string }>(`${github}/__berth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ account: "alice", repositories: ["private-notes"] }),
  });
  return t.token;
}

/**
 * A browser's push subscription with keys this test owns: the push service stand-in decrypts what
 * the Worker sends to it with them (as the browser would), registered for the signed-in person.
 */
export async function subscribeToPush(page: Page): Promise<string> {
  const config = await callApi<{ public_key: string }>(page, "GET", "/api/push/config");
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sub = await json<{ id: string; endpoint: string; keys: { p256dh: string; auth: string } }>(
    `${pushService}/__berth/subscriptions`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        application_server_key: config.public_key,
        private_key_jwk: privateKey.export({ format: "jwk" }),
        auth: randomBytes(16).toString("base64url"),
      }),
    },
  );
  await callApi(page, "POST", "/api/push/subscriptions", {
    endpoint: sub.endpoint,
    expirationTime: null,
    keys: sub.keys,
  });
  return sub.id;
}

export interface PushMessage {
  subscription: string;
  payload: string;
  decrypt_error: string | null;
}
export const pushMessages = (subscription: string) =>
  json<PushMessage[]>(`${pushService}/__berth/messages`).then((all) =>
    all.filter((m) => m.subscription === subscription),
  );
