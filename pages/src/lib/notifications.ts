/** Browser notifications, only ever after the person allowed them. */

export type NotificationPermissionState = NotificationPermission | "unsupported";

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.requestPermission();
}

/** Shows a notification if allowed; `tag` replaces an earlier one for the same thing. */
export function notify(title: string, body: string, tag: string): void {
  if (notificationPermission() !== "granted") return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some mobile browsers only allow notifications from a service worker; nothing to do then.
  }
}
