import type { PortVisibility } from "@berth/protocol";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { user } from "./auth.ts";
import { workspaces } from "./workspaces.ts";

const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

/** A person's secrets (environment variables for their workspaces), each sealed with AES-256-GCM. */
export const userSecrets = sqliteTable(
  "user_secrets",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Bound to the owner and the name: a ciphertext moved to another row does not open. */
    valueCiphertext: text("value_ciphertext").notNull(),
    /** JSON array of repositories it applies to; null means every repository. */
    repositories: text("repositories"),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.name] })],
);

/** When a person last set or deleted a secret: workspaces started before it hold older values. */
export const userSecretChanges = sqliteTable("user_secret_changes", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  changedAt: ms("changed_at").notNull(),
});

/** TCP ports the agent saw listening in a workspace, and the visibility the owner chose. */
export const workspacePorts = sqliteTable(
  "workspace_ports",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    port: integer("port").notNull(),
    process: text("process"),
    firstSeenAt: ms("first_seen_at"),
    /** False once it stopped listening (the row keeps the visibility the owner chose). */
    listening: integer("listening", { mode: "boolean" }).notNull().default(false),
    visibility: text("visibility").$type<PortVisibility>().notNull().default("private"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.port] }),
    index("workspace_ports_listening_idx").on(t.workspaceId, t.listening),
  ],
);

export type UserSecret = typeof userSecrets.$inferSelect;
export type WorkspacePort = typeof workspacePorts.$inferSelect;
