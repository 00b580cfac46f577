import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { user } from "./auth.ts";

const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

/**
 * A browser's Web Push subscription (PushSubscription). The endpoint is the push service's URL for
 * that browser; p256dh and auth let the Worker encrypt for it, so they are sealed like any secret
 * (bound to the row's id) and never returned.
 */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull().unique(),
    p256dhCiphertext: text("p256dh_ciphertext").notNull(),
    authCiphertext: text("auth_ciphertext").notNull(),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [index("push_subscriptions_user_idx").on(t.userId)],
);

/** A kind of notification a person turned off (or on again); no row means on, the default. */
export const notificationPreferences = sqliteTable(
  "notification_preferences",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
