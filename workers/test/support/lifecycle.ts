import { env } from "cloudflare:workers";
import { localCloudControl } from "@berth/local-cloud/client";
import { dnsComment } from "@berth/protocol";
import { expect } from "vitest";
import type { Workspace } from "../../src/db/schema/index.ts";
import type { CloudServer, DnsRecord } from "../../src/providers/types.ts";
import { managedSelector, sweep } from "../../src/reconciler/sweep.ts";
import { lifecycleDeps } from "../../src/workspaces/deps.ts";
import type { LifecycleDeps } from "../../src/workspaces/reconcile.ts";
import { loadWorkspace } from "../../src/workspaces/store.ts";
import { api } from "./session.ts";

export const hetzner = localCloudControl(new URL(env.HETZNER_API_URL).origin);
export const cloudflare = localCloudControl(new URL(env.CLOUDFLARE_API_URL).origin);

/** The real dependencies, with a clock the test can move. */
export function depsAt(offsetMs = 0): LifecycleDeps {
  return { ...lifecycleDeps(env), now: () => Date.now() + offsetMs };
}

export async function load(id: string): Promise<Workspace> {
  const ws = await loadWorkspace(depsAt().db, id);
  if (!ws) throw new Error(`workspace ${id} not found`);
  return ws;
}

export async function serversOf(id: string): Promise<CloudServer[]> {
  return depsAt().servers.listServers(`berth.workspace=${id},berth.deployment=${env.DEPLOYMENT_ID}`);
}

export async function recordsOf(id: string): Promise<DnsRecord[]> {
  return (await depsAt().dns.listBerthRecords()).filter(
    (r) => r.comment === dnsComment(env.DEPLOYMENT_ID, id),
  );
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForState(id: string, state: Workspace["state"]): Promise<Workspace> {
  return waitFor(`workspace ${id} to be ${state}`, async () => {
    const ws = await load(id);
    return ws.state === state ? ws : null;
  });
}

export async function createWorkspace(
  cookie: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await api("/api/workspaces", {
    method: "POST",
    headers: { cookie, ...headers },
    body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git", ...body }),
  });
  return { res, body: (await res.json()) as Record<string, unknown> & { id: string; state: string } };
}

/** The one-time bootstrap token as the VM would read it from its user_data. */
export async function bootstrapTokenOf(serverId: number): Promise<string> {
  const state = (await hetzner.state()) as { servers: Array<{ id: number; user_data: string | null }> };
  const userData = state.servers.find((s) => s.id === serverId)?.user_data ?? "";
  const token = /bt_[A-Za-z0-9_-]{20,}/.exec(userData)?.[0];
  if (!token) throw new Error(`no bootstrap token in the user_data of server ${serverId}`);
  return token;
}

export async function vmCall(id: string, action: string, token: string, body: unknown = {}) {
  return api(`/api/vm/workspaces/${id}/${action}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/** Creates a workspace and plays its VM up to `ready`. */
export async function readyWorkspace(cookie: string): Promise<{ id: string; callbackToken: string }> {
  const { body } = await createWorkspace(cookie);
  const ws = await waitForState(body.id, "booting");
  const boot = await vmCall(body.id, "bootstrap", await bootstrapTokenOf(ws.serverId ?? 0));
  const { callback_token } = (await boot.json()) as { callback_token: string };
  expect((await vmCall(body.id, "ready", callback_token, { runtime: "host" })).status).toBe(200);
  return { id: body.id, callbackToken: callback_token };
}

/**
 * The design's invariants: no Berth server without a live workspace (asleep ones have none), no
 * Berth DNS record without a server, no workspace outside a terminal state past its deadline.
 */
export async function expectInvariants(deps: LifecycleDeps = depsAt()) {
  const servers = await deps.servers.listServers(managedSelector(deps.deployment));
  const records = await deps.dns.listBerthRecords();
  for (const server of servers) {
    const ws = await loadWorkspace(deps.db, server.labels["berth.workspace"] ?? "");
    // An asleep workspace holds snapshots only: a server of one is left over as much as a deleted one's.
    expect(
      ws && !["deleted", "failed", "asleep"].includes(ws.state),
      `server ${server.id} has no live workspace`,
    ).toBe(true);
  }
  const ips = new Set(servers.map((s) => s.ipv4));
  for (const record of records) {
    expect(ips.has(record.content), `DNS record ${record.name} points at no server`).toBe(true);
  }
}

export { sweep };

/** Injected faults are process-wide: a test that sets one clears them all after itself. */
export async function clearAllFaults() {
  await hetzner.clearFaults();
  await cloudflare.clearFaults();
}
