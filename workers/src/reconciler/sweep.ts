import { dnsCommentPrefixFor, serverLabels } from "@berth/protocol";
import { inArray } from "drizzle-orm";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import type { DnsRecord } from "../providers/types.ts";
import { type SnapshotSweepReport, sweepSnapshots } from "../snapshots/sweep.ts";
import { wakeForFollowUps } from "../tasks/actions.ts";
import { failOrphanedTasks } from "../tasks/orphans.ts";
import { type LifecycleDeps, type Observed, reconcileWorkspace } from "../workspaces/reconcile.ts";
import { isLive, isStarting } from "../workspaces/state-machine.ts";
import { loadWorkspacesInStates } from "../workspaces/store.ts";
import { applyFirewallWhereMissing, ensureFirewall } from "./firewall.ts";
import { stopAfterRateLimit } from "./rate-limit-guard.ts";

export interface SweepReport {
  reconciled: number;
  orphanServersDeleted: number[];
  orphanRecordsDeleted: string[];
  /** Servers the deployment's firewall was missing from, and was put back on. */
  firewallAppliedTo: number[];
  /** Snapshot housekeeping: abandoned uploads, expired snapshots, orphan R2 objects. */
  snapshots?: SnapshotSweepReport;
  /** One line per step that failed; the sweep carried on past each. */
  errors: string[];
}

/** How long after a request's own reconcile touched a starting workspace the sweep leaves it alone. */
export const inFlightGraceMs = 90_000;

/**
 * A `pnpm build:image` server installs for up to half an hour and snapshots for as long again: the
 * sweep leaves it alone that long, then removes what a crashed build left behind.
 */
export const imageBuildGraceMs = 90 * 60_000;

/** This deployment's servers only: another deployment in the same Hetzner project is not ours. */
export const managedSelector = (deployment: string) =>
  `${serverLabels.managedBy}=berth,${serverLabels.deployment}=${deployment}`;

function workspaceOfRecord(deployment: string): (r: DnsRecord) => string | null {
  const prefix = dnsCommentPrefixFor(deployment);
  return (r) => (r.comment?.startsWith(prefix) ? r.comment.slice(prefix.length) : null);
}

/**
 * The cron pass. Lists this deployment's servers, firewall and DNS records once each (paged, by
 * label/comment, never per workspace), makes sure the firewall exists with its rules and sits on
 * every server, reconciles every live workspace and every ended one that still owns something,
 * then deletes resources no workspace row claims once they are past the grace period.
 */
export async function sweep(baseDeps: LifecycleDeps): Promise<SweepReport> {
  const deps = {
    ...baseDeps,
    servers: stopAfterRateLimit(baseDeps.servers, "hetzner"),
    dns: stopAfterRateLimit(baseDeps.dns, "cloudflare"),
  };
  const report: SweepReport = {
    reconciled: 0,
    orphanServersDeleted: [],
    orphanRecordsDeleted: [],
    firewallAppliedTo: [],
    errors: [],
  };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      const line = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      report.errors.push(line);
      console.error("sweep step failed", line);
      return undefined;
    }
  };

  const servers = await step("list servers", () =>
    deps.servers.listServers(managedSelector(deps.deployment)),
  );
  const records = await step("list DNS records", () => deps.dns.listBerthRecords());
  const firewall = await step("firewall", () => ensureFirewall(deps.servers, deps.deployment));
  if (firewall && servers) {
    const fixed = await step("apply firewall", () =>
      applyFirewallWhereMissing(deps.servers, firewall, servers),
    );
    report.firewallAppliedTo.push(...(fixed ?? []));
  }

  const serversByWorkspace = groupBy(servers ?? [], (s) => s.labels[serverLabels.workspace] ?? null);
  const recordsByWorkspace = groupBy(records ?? [], workspaceOfRecord(deps.deployment));
  // Before the load: a task workspace woken here is reconciled (gets its VM) in this same pass.
  await step("wake task workspaces for follow-ups", () => wakeForFollowUps(deps));
  const live =
    (await step("load workspaces", () =>
      loadWorkspacesInStates(deps.db, [
        "creating",
        "provisioning",
        "booting",
        "ready",
        "sleeping",
        "asleep",
        "waking",
        "stopping",
      ]),
    )) ?? [];
  const owners = new Set([...serversByWorkspace.keys(), ...recordsByWorkspace.keys()]);
  const known = await loadByIds(deps, [...owners]);

  const toReconcile = new Map<string, Workspace>(live.map((w) => [w.id, w]));
  for (const ws of known.values()) if (!isLive(ws.state)) toReconcile.set(ws.id, ws);

  for (const ws of toReconcile.values()) {
    // Without the server listing a reconcile would ask Hetzner per workspace: skip rather than burst.
    if (!servers) break;
    // A workspace touched moments ago is being provisioned by its request's own reconcile; with no
    // server listed yet, creating one here too could make a second VM.
    const inFlight = isStarting(ws.state) && deps.now() - ws.updatedAt.getTime() < inFlightGraceMs;
    if (inFlight && !serversByWorkspace.has(ws.id)) continue;
    const observed: Observed = {
      servers: serversByWorkspace.get(ws.id) ?? [],
      ...(records ? { records: recordsByWorkspace.get(ws.id) ?? [] } : {}),
      ...(firewall ? { firewallId: firewall.id } : {}),
    };
    const after = await reconcileWorkspace(deps, ws, observed);
    if (after.lastError) report.errors.push(`workspace ${ws.id}: ${after.lastError}`);
    report.reconciled++;
  }

  // After the reconciles: a task whose VM went in this pass before its turn reported fails now.
  await step("fail tasks whose VM went", () => failOrphanedTasks(deps));

  // After the reconciles: workspaces deleted in this pass have let go of their snapshots.
  report.snapshots = await step("snapshots", () => sweepSnapshots(deps));

  const cutoff = deps.now() - deps.settings.orphanGraceMs;
  for (const server of servers ?? []) {
    const owner = server.labels[serverLabels.workspace];
    if (owner && known.has(owner)) continue;
    const building = server.labels[serverLabels.imageBuild] !== undefined;
    const since = building ? deps.now() - imageBuildGraceMs : cutoff;
    if (Date.parse(server.createdAt) > since) continue; // may be a create (or an image build) in flight
    const deleted = await step(`delete orphan server ${server.id}`, async () => {
      await deps.servers.deleteServer(server.id);
      return true;
    });
    if (deleted) report.orphanServersDeleted.push(server.id);
  }
  const orphanRecordOwners = [...recordsByWorkspace.keys()].filter((id) => !known.has(id));
  for (const owner of orphanRecordOwners) {
    const old = (recordsByWorkspace.get(owner) ?? []).filter((r) => Date.parse(r.createdOn) <= cutoff);
    if (old.length === 0) continue;
    const ok = await step(`delete orphan DNS records of ${owner}`, () =>
      deps.dns.deleteWorkspaceRecords(owner),
    );
    if (ok !== undefined) report.orphanRecordsDeleted.push(...old.map((r) => r.name));
  }
  return report;
}

async function loadByIds(deps: LifecycleDeps, ids: string[]): Promise<Map<string, Workspace>> {
  const found = new Map<string, Workspace>();
  // D1 caps bound parameters per statement; chunk the lookup.
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const rows = await deps.db.select().from(workspaces).where(inArray(workspaces.id, chunk));
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

function groupBy<T>(items: T[], key: (item: T) => string | null): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    map.set(k, [...(map.get(k) ?? []), item]);
  }
  return map;
}
