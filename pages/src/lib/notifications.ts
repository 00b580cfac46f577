/** Browser notifications, only ever after the person allowed them. */

export type NotificationPermissionState = NotificationPermission | "unsupported";

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.requestPermission();
}

/**
 * Shows a notification while the dashboard is open, if allowed. `tag` replaces an earlier one for
 * the same thing, including a Web Push notification the Worker sent for it (public/sw.js uses the
 * payload's tag): the same event never shows twice.
 */
export function notify(title: string, body: string, tag: string): void {
  if (notificationPermission() !== "granted") return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some mobile browsers only allow notifications from a service worker: use it when there is one.
    void navigator.serviceWorker
      ?.getRegistration("/")
      .then((reg) => reg?.showNotification(title, { body, tag, data: { url: window.location.hash || "/" } }))
      .catch(() => {});
  }
}
