import type { LifecycleDeps } from "../workspaces/reconcile.ts";

/** What a person can be notified of, each turned on or off in Settings (issue #15). */
export const notificationKinds = ["task_finished", "task_failed", "claude_waiting"] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface UserNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  /** The dashboard page a click opens, relative to the dashboard ("/#/t/<id>", "/#/w/<id>": hash routes). */
  url: string;
  /** Replaces an earlier notification with the same tag on the person's device. */
  tag: string;
}

/**
 * Sends a Web Push notification to each of the person's subscribed browsers, unless they turned
 * this kind off. Never throws: a notification that cannot be sent must not fail the caller.
 *
 * Not built yet: Web Push lands with the push branch; until then nothing is sent.
 */
export async function notifyUser(
  _deps: LifecycleDeps,
  _userId: string,
  _notification: UserNotification,
): Promise<void> {}
