import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { notificationPreferences } from "../db/schema/index.ts";
import { type NotificationKind, notificationKinds } from "./kinds.ts";

export type NotificationPreferences = Record<NotificationKind, boolean>;

/** Each kind is on unless the person turned it off. */
export async function preferencesOf(db: Database, userId: string): Promise<NotificationPreferences> {
  const rows = await db
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  const prefs = Object.fromEntries(notificationKinds.map((k) => [k, true])) as NotificationPreferences;
  for (const row of rows)
    if ((notificationKinds as readonly string[]).includes(row.kind))
      prefs[row.kind as NotificationKind] = row.enabled;
  return prefs;
}

export async function setPreferences(
  db: Database,
  userId: string,
  prefs: NotificationPreferences,
  now: number,
): Promise<void> {
  const rows = notificationKinds.map((kind) => ({
    userId,
    kind,
    enabled: prefs[kind],
    updatedAt: new Date(now),
  }));
  await db
    .insert(notificationPreferences)
    .values(rows)
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.kind],
      set: { enabled: sql`excluded.enabled`, updatedAt: sql`excluded.updated_at` },
    });
}
