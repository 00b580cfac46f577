import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import type { NotificationKind } from "./kinds.ts";
import { preferencesOf } from "./preferences.ts";
import { type PushOptions, pushToSubscription } from "./send.ts";
import { forgetSubscription, subscriptionsOf } from "./subscriptions.ts";

export { type NotificationKind, notificationKinds } from "./kinds.ts";

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
 * A waiting prompt is stale once someone answered it (a day-old one helps nobody) but wants the
 * device woken now; a finished task is worth knowing about when the phone comes back online.
 */
const deliveryOptions: Record<NotificationKind | "test", PushOptions> = {
  claude_waiting: { ttlSeconds: 60 * 60, urgency: "high" },
  task_finished: { ttlSeconds: 24 * 60 * 60, urgency: "normal" },
  task_failed: { ttlSeconds: 24 * 60 * 60, urgency: "normal" },
  test: { ttlSeconds: 5 * 60, urgency: "normal" },
};

export interface DeliveryReport {
  subscriptions: number;
  delivered: number;
  /** Subscriptions the push service said are gone (404/410): deleted. */
  removed: number;
  failed: number;
}

/**
 * Pushes one notification to each of the person's subscribed browsers, whatever their
 * preferences (callers check them). Payload: {title, body, url, tag, kind} as JSON.
 */
export async function deliver(
  deps: LifecycleDeps,
  userId: string,
  notification: Omit<UserNotification, "kind"> & { kind: NotificationKind | "test" },
): Promise<DeliveryReport> {
  const report: DeliveryReport = { subscriptions: 0, delivered: 0, removed: 0, failed: 0 };
  const push = deps.push;
  if (!push) return report;
  const subscriptions = await subscriptionsOf(deps.db, deps.box, userId);
  report.subscriptions = subscriptions.length;
  const { kind, title, body, url, tag } = notification;
  const payload = JSON.stringify({ title, body, url, tag, kind });
  await Promise.all(
    subscriptions.map(async (subscription) => {
      const outcome = await pushToSubscription(
        push.vapid,
        subscription,
        payload,
        deliveryOptions[kind],
        deps.now(),
      );
      if (outcome.result === "sent") report.delivered++;
      else if (outcome.result === "gone") {
        await forgetSubscription(deps.db, subscription.id);
        report.removed++;
      } else {
        report.failed++;
        // The endpoint's path is the subscription's capability: only its origin is logged.
        console.warn(
          `push: ${kind} to ${new URL(subscription.endpoint).origin} (subscription ${subscription.id}) failed: ${outcome.reason}`,
        );
      }
    }),
  );
  return report;
}

/**
 * Sends a Web Push notification to each of the person's subscribed browsers, unless they turned
 * this kind off. Never throws: a notification that cannot be sent must not fail the caller.
 */
export async function notifyUser(
  deps: LifecycleDeps,
  userId: string,
  notification: UserNotification,
): Promise<void> {
  try {
    if (!deps.push) return;
    const prefs = await preferencesOf(deps.db, userId);
    if (!prefs[notification.kind]) return;
    await deliver(deps, userId, notification);
  } catch (err) {
    console.warn(
      `push: ${notification.kind} for a user failed: ${err instanceof Error ? err.name : "error"}`,
    );
  }
}
