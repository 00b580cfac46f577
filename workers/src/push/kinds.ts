/** What a person can be notified of, each turned on or off in Settings (issue #15). */
export const notificationKinds = ["task_finished", "task_failed", "claude_waiting"] as const;
export type NotificationKind = (typeof notificationKinds)[number];
