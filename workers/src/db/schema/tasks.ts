import type { TaskEvent, TaskMode, TaskPermissionMode } from "@berth/protocol";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { user } from "./auth.ts";
import { workspaces } from "./workspaces.ts";

const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

export const taskStatuses = ["starting", "running", "succeeded", "failed", "canceled"] as const;
export type TaskStatus = (typeof taskStatuses)[number];
export const taskWhenDone = ["sleep", "delete"] as const;
export type TaskWhenDone = (typeof taskWhenDone)[number];

/**
 * A task (issue #15): Claude Code headless on its own branch in one workspace (mode "task"). The
 * prompt is stored here and reaches the VM only through the bootstrap exchange. Kind "prompt": one
 * headless turn sent to a person's interactive workspace (many over its life, one at a time), which
 * reaches the VM through the heartbeat answer; no branch of its own, no commit, no pull request.
 */
export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text("kind").$type<TaskMode>().notNull().default("task"),
    prompt: text("prompt").notNull(),
    baseBranch: text("base_branch"),
    branch: text("branch").notNull(),
    status: text("status").$type<TaskStatus>().notNull(),
    /** Why it failed, for the person. */
    reason: text("reason"),
    maxMinutes: integer("max_minutes").notNull(),
    permissionMode: text("permission_mode").$type<TaskPermissionMode>().notNull(),
    whenDone: text("when_done").$type<TaskWhenDone>().notNull(),
    /** Finished turns, and the last one (0 = the prompt, n = follow-up n; null = none yet). */
    turns: integer("turns").notNull().default(0),
    lastTurn: integer("last_turn"),
    /** The last turn's git report and summary. */
    commits: integer("commits").notNull().default(0),
    headSha: text("head_sha"),
    pushed: integer("pushed", { mode: "boolean" }).notNull().default(false),
    summary: text("summary").notNull().default(""),
    prNumber: integer("pr_number"),
    prUrl: text("pr_url"),
    createdAt: ms("created_at").notNull(),
    startedAt: ms("started_at"),
    finishedAt: ms("finished_at"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    index("tasks_owner_idx").on(t.ownerId, t.createdAt),
    index("tasks_workspace_created_idx").on(t.workspaceId, t.createdAt),
  ],
);

/** The timeline, as the agent sent it: the first copy of each (task, seq) wins. */
export const taskEvents = sqliteTable(
  "task_events",
  {
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    turn: integer("turn").notNull(),
    kind: text("kind").$type<TaskEvent["kind"]>().notNull(),
    /** The whole TaskEvent as JSON (validated on the way in). */
    data: text("data", { mode: "json" }).$type<TaskEvent>().notNull(),
    receivedAt: ms("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);

/** Follow-ups: message seq n runs as turn n. */
export const taskMessages = sqliteTable(
  "task_messages",
  {
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    text: text("text").notNull(),
    at: ms("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);

export type Task = typeof tasks.$inferSelect;
export type TaskEventRow = typeof taskEvents.$inferSelect;
export type TaskMessageRow = typeof taskMessages.$inferSelect;
