import type { SnapshotKind } from "@berth/protocol";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { workspaces } from "./workspaces.ts";

const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

export type SnapshotState = "uploading" | "verified" | "failed";

/**
 * A workspace's snapshot (sleep or checkpoint): an archive the agent uploaded in parts, each part
 * encrypted by the control plane into R2 (see snapshots/crypto.ts). Usable only once `verified`.
 */
export const snapshots = sqliteTable(
  "snapshots",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text("kind").$type<SnapshotKind>().notNull(),
    state: text("state").$type<SnapshotState>().notNull(),
    /** The plain archive's size and SHA-256, as verified from the stored parts. */
    size: integer("size"),
    sha256: text("sha256"),
    /** Number of parts. */
    parts: integer("parts"),
    /** Why an upload failed (shown on the timeline). */
    failure: text("failure"),
    createdAt: ms("created_at").notNull(),
    /** Last part stored: an upload silent for long is abandoned and swept. */
    updatedAt: ms("updated_at").notNull(),
    verifiedAt: ms("verified_at"),
    /** Set while the workspace is asleep: the sweep deletes the snapshot after this. */
    expiresAt: ms("expires_at"),
  },
  (t) => [
    index("snapshots_workspace_idx").on(t.workspaceId, t.createdAt),
    index("snapshots_state_idx").on(t.state, t.updatedAt),
    index("snapshots_expires_idx").on(t.expiresAt),
  ],
);

/** One stored part: its plain size and SHA-256, computed by the control plane as it stored it. */
export const snapshotParts = sqliteTable(
  "snapshot_parts",
  {
    snapshotId: text("snapshot_id")
      .notNull()
      .references(() => snapshots.id, { onDelete: "cascade" }),
    n: integer("n").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    storedAt: ms("stored_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.n] })],
);

export type Snapshot = typeof snapshots.$inferSelect;
export type SnapshotPartRow = typeof snapshotParts.$inferSelect;
