import { serverLabels } from "@berth/protocol";
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import type { GitHubDeps } from "../github/access.ts";
import {
  type CloudServer,
  type DnsProvider,
  type DnsRecord,
  ProviderError,
  type ServerProvider,
} from "../providers/types.ts";
import type { PushConfig } from "../push/config.ts";
import { ensureFirewall } from "../reconciler/firewall.ts";
import { randomToken, sha256Hex } from "../security/tokens.ts";
import type { Settings } from "../settings.ts";
import { deleteAllSnapshotsOf, type SnapshotDeps } from "../snapshots/store.ts";
import { timedDecision } from "./policy.ts";
import type { ProvisioningConfig } from "./provisioning.ts";
import { chooseBootImage, renderUserData } from "./provisioning.ts";
import { fallAsleepOnCheckpoint, isWaking, wakeFailed } from "./sleep.ts";
import { isTerminal } from "./state-machine.ts";
import { loadWorkspace, recordEvent, transition, updateWorkspace } from "./store.ts";

export interface LifecycleDeps extends SnapshotDeps {
  db: Database;
  servers: ServerProvider;
  dns: DnsProvider;
  settings: Settings;
  provisioning: ProvisioningConfig;
  domain: string;
  /** DEPLOYMENT_ID: on every label and DNS comment; nothing without it is ever touched. */
  deployment: string;
  /** The GitHub App: the access check on create, installation tokens, pull requests. */
  github: GitHubDeps;
  /** Web Push (VAPID key); absent or null when VAPID_PRIVATE_KEY is not set: nothing is pushed. */
  push?: PushConfig | null;
  now(): number;
}

/**
 * What the sweep already listed for this workspace, so a reconcile need not ask again. `records`
 * is undefined when the DNS listing failed: the reconcile then asks Cloudflare itself.
 */
export interface Observed {
  servers: CloudServer[];
  records?: DnsRecord[];
  /** The deployment's firewall, when the sweep already made sure of it. */
  firewallId?: number;
}

export const workspaceLabelSelector = (deployment: string, id: string) =>
  `${serverLabels.workspace}=${id},${serverLabels.deployment}=${deployment}`;
export const workspaceDnsNames = (ws: Pick<Workspace, "hostname">) => [ws.hostname, `*.${ws.hostname}`];

/**
 * Brings one workspace's cloud resources in line with its state. Level-triggered and idempotent:
 * safe to run twice, concurrently with another run, or after a crash half-way. Provider failures
 * are recorded and left for the next pass (the cron sweep runs every minute), except refusals that
 * no retry can fix, which fail the workspace.
 */
export async function reconcileWorkspace(
  deps: LifecycleDeps,
  start: Workspace,
  observed?: Observed,
): Promise<Workspace> {
  let ws = start;
  // Already cleaned up: a stop or delete asked again costs no Hetzner or Cloudflare request. The
  // sweep still passes such a workspace with what it observed when something of it reappears.
  if (isTerminal(ws.state) && ws.cleanedUpAt && !observed) return ws;
  try {
    ws = await applyTimedDecision(deps, ws);
    for (const from of ["creating", "waking"] as const) {
      if (ws.state === from)
        ws =
          (await transition(deps.db, ws, "provisioning", "requesting a server")) ?? (await reload(deps, ws));
    }
    // What this pass creates is newer than the sweep's listing. A stop or delete that landed while
    // it was being created (its own cleanup found nothing yet) is cleaned up against a new listing.
    let listing = observed;
    const provisioning = ws.state === "provisioning";
    if (provisioning) {
      ws = await provision(deps, ws, observed);
      listing = undefined;
    }
    // A server made in this pass is newer than the sweep's listing: checking it there would miss it.
    if (!provisioning && (ws.state === "booting" || ws.state === "ready" || ws.state === "sleeping")) {
      const checked = await verifyRunning(deps, ws, observed);
      ws = checked.ws;
      if (checked.recordsSet) listing = undefined;
    }
    if (ws.state === "stopping" || isTerminal(ws.state)) ws = await cleanUp(deps, ws, listing);
    if (ws.state === "asleep" && ownsSomething(listing)) ws = await cleanUpAsleep(deps, ws, listing);
    if (ws.lastError) await updateWorkspace(deps.db, ws.id, { lastError: null });
    return { ...ws, lastError: null };
  } catch (err) {
    return await recordFailure(deps, ws, err);
  }
}

/** Without a listing the reconcile asks the providers itself; with one, only when something is left. */
const ownsSomething = (observed?: Observed) =>
  !observed || observed.servers.length > 0 || (observed.records?.length ?? 0) > 0;

async function applyTimedDecision(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  const decision = timedDecision(ws, deps.now(), deps.settings);
  if (!decision) return ws;
  if (decision.to === "asleep" && ws.state === "sleeping")
    return fallAsleepOnCheckpoint(deps, ws, decision.reason);
  if (decision.to === "asleep") return wakeFailed(deps, ws, decision.reason);
  return (await transition(deps.db, ws, decision.to, decision.reason)) ?? (await reload(deps, ws));
}

async function reload(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  return (await loadWorkspace(deps.db, ws.id)) ?? ws;
}

async function serversOf(deps: LifecycleDeps, ws: Workspace, observed?: Observed): Promise<CloudServer[]> {
  const found = observed
    ? observed.servers
    : await deps.servers.listServers(workspaceLabelSelector(deps.deployment, ws.id));
  return [...found].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

async function provision(deps: LifecycleDeps, start: Workspace, observed?: Observed): Promise<Workspace> {
  let ws = start;
  // Look the label up first: a create whose response was lost must not make a second VM.
  const found = await serversOf(deps, ws, observed);
  // A wake never adopts the VM the workspace slept on (its removal may still be pending): that one
  // predates the sleep, and it goes like a duplicate.
  const asleepAt = ws.asleepAt?.getTime();
  const stale = asleepAt ? found.filter((s) => Date.parse(s.createdAt) < asleepAt) : [];
  let [server, ...extra] = found.filter((s) => !stale.includes(s));
  for (const duplicate of [...stale, ...extra]) await deps.servers.deleteServer(duplicate.id);
  if (!server) server = await createServer(deps, ws, observed?.firewallId);
  if (ws.serverId !== server.id || ws.ipv4 !== server.ipv4) {
    const changes = { serverId: server.id, ipv4: server.ipv4, serverCreatedAt: new Date(server.createdAt) };
    await updateWorkspace(deps.db, ws.id, changes);
    ws = { ...ws, ...changes };
  }
  if (!server.ipv4) return ws; // Hetzner assigns the address shortly; the next pass picks it up.
  await deps.dns.ensureWorkspaceRecords(ws.id, workspaceDnsNames(ws), server.ipv4);
  return (
    (await transition(deps.db, ws, "booting", `server ${server.id} at ${server.ipv4}, DNS records set`)) ??
    reload(deps, ws)
  );
}

async function createServer(
  deps: LifecycleDeps,
  ws: Workspace,
  knownFirewall?: number,
): Promise<CloudServer> {
  // Behind the deployment's firewall from its first boot: never a moment with every port open.
  const firewallId = knownFirewall ?? (await ensureFirewall(deps.servers, deps.deployment)).id;
  const now = deps.now();
  const bootstrapToken = randomToken("bt_");
  const architecture = ws.serverType.startsWith("cax") ? "arm" : "x86";
  const boot = await chooseBootImage(deps.servers, deps.deployment, architecture, deps.settings.hetznerImage);
  const userData = await renderUserData(ws, bootstrapToken, architecture, deps.provisioning, boot.kind);
  // Only the hash is kept; the token itself exists only in this VM's user_data.
  await updateWorkspace(deps.db, ws.id, {
    bootstrapTokenHash: await sha256Hex(bootstrapToken),
    bootstrapExpiresAt: new Date(now + deps.settings.bootstrapTokenTtlMs),
    bootstrapRedeemedAt: null,
  });
  const server = await deps.servers.createServer({
    name: `berth-${ws.id}`,
    serverType: ws.serverType,
    location: ws.location,
    image: boot.image,
    userData,
    labels: {
      [serverLabels.workspace]: ws.id,
      [serverLabels.owner]: ws.ownerId,
      [serverLabels.managedBy]: "berth",
      [serverLabels.deployment]: deps.deployment,
    },
    firewallIds: [firewallId],
  });
  await recordEvent(
    deps.db,
    ws.id,
    "server",
    `server ${server.id} created (${ws.serverType} in ${ws.location}, ${boot.kind === "berth" ? `Berth image ${boot.image}` : boot.image})`,
  );
  return server;
}

/**
 * A running workspace's server is still there and its names point at it. Setting the records
 * reloads the row: the sweep's row may predate a stop, whose cleanup these records would outlive.
 */
async function verifyRunning(
  deps: LifecycleDeps,
  ws: Workspace,
  observed?: Observed,
): Promise<{ ws: Workspace; recordsSet: boolean }> {
  const servers = await serversOf(deps, ws, observed);
  const server = servers.find((s) => s.id === ws.serverId) ?? null;
  if (!server) return { ws: await serverGone(deps, ws), recordsSet: false };
  const wanted = workspaceDnsNames(ws);
  const records = observed?.records;
  const recordsOk =
    records !== undefined &&
    records.length === wanted.length &&
    wanted.every((name) => records.some((r) => r.name === name && r.content === server.ipv4));
  if (recordsOk || !server.ipv4) return { ws, recordsSet: false };
  await deps.dns.ensureWorkspaceRecords(ws.id, wanted, server.ipv4);
  return { ws: await reload(deps, ws), recordsSet: true };
}

/** A ready or sleeping workspace whose VM vanished sleeps on its newest checkpoint; a boot fails. */
async function serverGone(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  const why = "its server disappeared";
  if (ws.state === "ready" || ws.state === "sleeping") return fallAsleepOnCheckpoint(deps, ws, why);
  if (isWaking(ws)) return wakeFailed(deps, ws, why);
  return (await transition(deps.db, ws, "failed", why)) ?? reload(deps, ws);
}

/**
 * The VM an asleep workspace slept on goes. The row may predate a wake (the sweep loaded it, or a
 * shutdown's cleanup races a quick wake): then the VM and records are the wake's, and stay.
 */
async function cleanUpAsleep(deps: LifecycleDeps, start: Workspace, observed?: Observed) {
  const ws = await reload(deps, start);
  return ws.state === "asleep" ? cleanUp(deps, ws, observed) : ws;
}

async function cleanUp(deps: LifecycleDeps, start: Workspace, observed?: Observed): Promise<Workspace> {
  let ws = start;
  const records = observed?.records;
  const nothingLeft = observed && observed.servers.length === 0 && records?.length === 0;
  if (!nothingLeft) {
    // DNS first: a name must never point at an address Hetzner may hand to someone else.
    if (records === undefined || records.length > 0) await deps.dns.deleteWorkspaceRecords(ws.id);
    const servers = await serversOf(deps, ws, observed);
    const ids = new Set(servers.map((s) => s.id));
    if (ws.serverId !== null && !observed) ids.add(ws.serverId);
    for (const id of ids) await deps.servers.deleteServer(id);
    if (ids.size > 0) await recordEvent(deps.db, ws.id, "server", `server ${[...ids].join(", ")} deleted`);
  }
  if (ws.state === "asleep") {
    if (ws.serverId !== null || ws.ipv4 !== null) {
      // Only while still asleep: a wake begun meanwhile has the new VM's columns to keep.
      await deps.db
        .update(workspaces)
        .set({ serverId: null, ipv4: null, updatedAt: new Date(deps.now()) })
        .where(and(eq(workspaces.id, ws.id), eq(workspaces.state, "asleep")));
      ws = { ...ws, serverId: null, ipv4: null };
    }
    return ws;
  }
  // A deleted or failed workspace keeps nothing: every snapshot row and object goes too.
  await deleteAllSnapshotsOf(deps, ws.id);
  const cleanedUpAt = new Date(deps.now());
  if (ws.state === "stopping") {
    ws =
      (await transition(deps.db, ws, "deleted", "server and DNS records removed", { cleanedUpAt })) ??
      (await reload(deps, ws));
  } else if (isTerminal(ws.state)) {
    await updateWorkspace(deps.db, ws.id, { cleanedUpAt });
    ws = { ...ws, cleanedUpAt };
  }
  return ws;
}

async function recordFailure(deps: LifecycleDeps, ws: Workspace, err: unknown): Promise<Workspace> {
  const message = err instanceof Error ? err.message : String(err);
  await updateWorkspace(deps.db, ws.id, { lastError: message });
  await recordEvent(deps.db, ws.id, "error", message);
  const refused = err instanceof ProviderError && !err.retryable && err.status !== 401 && err.status !== 403;
  if (refused && isWaking(ws) && ws.state === "provisioning") {
    const back = await wakeFailed(deps, ws, `the cloud provider refused: ${message}`);
    return await cleanUp(deps, back).catch(() => back);
  }
  if (refused && (ws.state === "provisioning" || ws.state === "creating")) {
    const failed = await transition(deps.db, ws, "failed", `the cloud provider refused: ${message}`);
    if (failed) return await cleanUp(deps, failed).catch(() => failed);
  }
  if (!(err instanceof ProviderError)) console.error("reconcile failed", ws.id, message);
  return { ...ws, lastError: message };
}
