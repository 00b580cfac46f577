import type { WorkspaceState } from "@berth/protocol";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Workspace, workspaceEvents, workspaces } from "../db/schema/index.ts";
import { assertTransition } from "./state-machine.ts";

/**
 * Most events kept per workspace and kind, so a chatty or hostile agent (or a provider failing every
 * minute) cannot fill the database, and no kind can push another out: progress keeps its room
 * whatever errors pile up. State changes and the one bootstrap are never capped: the state machine
 * bounds them. The sum stays under the 1000 events the timeline returns.
 */
export const eventCaps: Record<string, number | null> = {
  state: null,
  bootstrap: null,
  progress: 600,
  server: 20,
};
/** Cap for every other kind (error, bootstrap_refused, shutdown_requested, ...). */
export const defaultEventCap = 50;
/** Most progress lines kept per workspace. */
export const maxEventsPerWorkspace = eventCaps.progress as number;

export const eventCapOf = (type: string): number | null =>
  type in eventCaps ? (eventCaps[type] ?? null) : defaultEventCap;

/** Records an event unless its kind is at its cap (checked in the same statement); true if stored. */
export async function recordEvent(
  db: Database,
  workspaceId: string,
  type: string,
  message: string,
  at = Date.now(),
): Promise<boolean> {
  const text = message.slice(0, 2000);
  const cap = eventCapOf(type);
  if (cap === null) {
    await db.insert(workspaceEvents).values({ workspaceId, type, message: text, at: new Date(at) });
    return true;
  }
  const result = await db.run(sql`
    insert into workspace_events (workspace_id, at, type, message)
    select ${workspaceId}, ${at}, ${type}, ${text}
    where (select count(*) from workspace_events where workspace_id = ${workspaceId} and type = ${type}) < ${cap}`);
  return (result.meta.changes ?? 0) > 0;
}

export async function countEvents(db: Database, workspaceId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(workspaceEvents)
    .where(eq(workspaceEvents.workspaceId, workspaceId));
  return row?.n ?? 0;
}

export async function loadWorkspace(db: Database, id: string): Promise<Workspace | null> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return row ?? null;
}

export async function loadWorkspacesInStates(db: Database, states: WorkspaceState[]): Promise<Workspace[]> {
  return db
    .select()
    .from(workspaces)
    .where(inArray(workspaces.state, states))
    .orderBy(desc(workspaces.createdAt));
}

export async function updateWorkspace(db: Database, id: string, changes: Partial<Workspace>) {
  await db
    .update(workspaces)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(workspaces.id, id));
}

/**
 * Moves a workspace from `from` to `to`, only if it is still in `from` (compare-and-set: the cron
 * sweep and a request may race). Returns the updated row, or null when another writer moved it first.
 */
export async function transition(
  db: Database,
  ws: Workspace,
  to: WorkspaceState,
  reason: string,
  changes: Partial<Workspace> = {},
  now = Date.now(),
): Promise<Workspace | null> {
  assertTransition(ws.state, to);
  const at = new Date(now);
  const ended = to === "deleted" || to === "failed" ? { endedAt: at } : {};
  const [row] = await db
    .update(workspaces)
    .set({ ...changes, ...ended, state: to, stateChangedAt: at, stateReason: reason, updatedAt: at })
    .where(and(eq(workspaces.id, ws.id), eq(workspaces.state, ws.state)))
    .returning();
  if (!row) return null;
  await recordEvent(db, ws.id, "state", `${ws.state} → ${to}: ${reason}`, now);
  return row;
}
