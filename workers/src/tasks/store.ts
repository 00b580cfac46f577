import { errorCodes, type TaskEvent } from "@berth/protocol";
import { and, asc, desc, eq, gt, inArray, max, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  type Task,
  type TaskMessageRow,
  taskEvents,
  taskMessages,
  tasks,
  type Workspace,
  workspaces,
} from "../db/schema/index.ts";
import { ApiError, notFound } from "../http/errors.ts";

export async function loadTask(db: Database, id: string): Promise<Task | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
  return row ?? null;
}

/** Another user's task is a 404, exactly like one that does not exist. */
export async function loadOwnedTask(
  db: Database,
  id: string,
  ownerId: string,
): Promise<{ task: Task; workspace: Workspace }> {
  const [row] = await db
    .select()
    .from(tasks)
    .innerJoin(workspaces, eq(workspaces.id, tasks.workspaceId))
    .where(and(eq(tasks.id, id), eq(tasks.ownerId, ownerId)));
  if (!row) throw notFound("task");
  return { task: row.tasks, workspace: row.workspaces };
}

export async function taskOfWorkspace(db: Database, workspaceId: string): Promise<Task | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.workspaceId, workspaceId));
  return row ?? null;
}

export async function updateTask(db: Database, id: string, patch: Partial<Task>, now: number) {
  await db
    .update(tasks)
    .set({ ...patch, updatedAt: new Date(now) })
    .where(eq(tasks.id, id));
}

/** Stores each event unless its (task, seq) is already there: a batch sent twice changes nothing. */
export async function insertEvents(db: Database, taskId: string, events: TaskEvent[], now: number) {
  if (events.length === 0) return 0;
  const rows = events.map((e) => ({
    taskId,
    seq: e.seq,
    turn: e.turn,
    kind: e.kind,
    data: e,
    receivedAt: new Date(now),
  }));
  // D1 allows 100 bound parameters per statement: 6 columns a row, so at most 16 rows at a time.
  const chunks: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += 16) chunks.push(rows.slice(i, i + 16));
  const results = await db.batch(
    chunks.map((chunk) =>
      db.insert(taskEvents).values(chunk).onConflictDoNothing().returning({ seq: taskEvents.seq }),
    ) as [never, ...never[]],
  );
  return (results as Array<unknown[]>).reduce((n, r) => n + r.length, 0);
}

/** The highest event seq stored for the task; null before its first event. */
export async function lastEventSeq(db: Database, taskId: string): Promise<number | null> {
  const [row] = await db
    .select({ seq: max(taskEvents.seq) })
    .from(taskEvents)
    .where(eq(taskEvents.taskId, taskId));
  return row?.seq ?? null;
}

/** Events after `cursor`, oldest first; one more than `limit` tells whether more wait. */
export async function eventsAfter(db: Database, taskId: string, cursor: number, limit: number) {
  const rows = await db
    .select({ data: taskEvents.data })
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.seq, cursor)))
    .orderBy(asc(taskEvents.seq))
    .limit(limit + 1);
  return { events: rows.slice(0, limit).map((r) => r.data), more: rows.length > limit };
}

export async function messagesOf(db: Database, taskIds: string[]): Promise<Map<string, TaskMessageRow[]>> {
  const byTask = new Map<string, TaskMessageRow[]>();
  if (taskIds.length === 0) return byTask;
  const rows = await db
    .select()
    .from(taskMessages)
    .where(inArray(taskMessages.taskId, taskIds))
    .orderBy(asc(taskMessages.seq));
  for (const row of rows) byTask.set(row.taskId, [...(byTask.get(row.taskId) ?? []), row]);
  return byTask;
}

export async function messagesAfter(db: Database, taskId: string, after: number, limit: number) {
  return db
    .select()
    .from(taskMessages)
    .where(and(eq(taskMessages.taskId, taskId), gt(taskMessages.seq, after)))
    .orderBy(asc(taskMessages.seq))
    .limit(limit);
}

/** A follow-up numbered after the last one; two at once cannot get the same number (primary key). */
export async function appendMessage(db: Database, taskId: string, text: string, now: number) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [last] = await db
      .select({ seq: taskMessages.seq })
      .from(taskMessages)
      .where(eq(taskMessages.taskId, taskId))
      .orderBy(desc(taskMessages.seq))
      .limit(1);
    const row = { taskId, seq: (last?.seq ?? 0) + 1, text, at: new Date(now) };
    const stored = await db.insert(taskMessages).values(row).onConflictDoNothing().returning();
    if (stored[0]) return stored[0];
  }
  throw new ApiError(409, errorCodes.conflict, "too many follow-ups at once; try again");
}

export interface TaskUsage {
  input: number;
  output: number;
  costUsd: number;
}

/** The task's tokens and Claude cost: the sum of its usage events. */
export async function usageOf(db: Database, taskIds: string[]): Promise<Map<string, TaskUsage>> {
  const usage = new Map<string, TaskUsage>();
  if (taskIds.length === 0) return usage;
  const rows = await db
    .select({
      taskId: taskEvents.taskId,
      input: sql<number>`coalesce(sum(json_extract(${taskEvents.data}, '$.tokens.input')), 0)`,
      output: sql<number>`coalesce(sum(json_extract(${taskEvents.data}, '$.tokens.output')), 0)`,
      cost: sql<number>`coalesce(sum(json_extract(${taskEvents.data}, '$.cost_usd')), 0)`,
    })
    .from(taskEvents)
    .where(and(inArray(taskEvents.taskId, taskIds), eq(taskEvents.kind, "usage")))
    .groupBy(taskEvents.taskId);
  for (const r of rows) usage.set(r.taskId, { input: r.input, output: r.output, costUsd: r.cost });
  return usage;
}

/** Distinct files the timeline saw change (for the pull request's run summary). */
export async function filesChanged(db: Database, taskId: string): Promise<number> {
  const rows = await db
    .select({ data: taskEvents.data })
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), eq(taskEvents.kind, "files_changed")))
    .limit(1000);
  return new Set(rows.flatMap((r) => (r.data.files ?? []).map((f) => f.path))).size;
}
