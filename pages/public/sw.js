// Berth's service worker: shows Web Push notifications (task finished or failed, Claude waiting)
// even when no dashboard tab is open, and opens the right page when one is clicked.
// The Worker sends {title, body, url, tag, kind} as JSON (workers/src/push/notify.ts).

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : "" };
  }
  const title = typeof message.title === "string" ? message.title : "Berth";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof message.body === "string" ? message.body : "",
      // The same tag as the in-page notification for the same thing: one replaces the other.
      tag: typeof message.tag === "string" ? message.tag : undefined,
      data: { url: typeof message.url === "string" ? message.url : "/", kind: message.kind },
    }),
  );
});

/** Only pages of this dashboard: a payload's url is relative to it, never another site. */
function pageUrl(url) {
  const target = new URL(typeof url === "string" ? url : "/", self.registration.scope);
  return target.origin === self.location.origin ? target.href : self.registration.scope;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = pageUrl(event.notification.data?.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((c) => new URL(c.url).origin === self.location.origin);
      if (open) {
        const focused = await open.focus();
        // Hash routes: navigating the open dashboard keeps its session and state.
        if ("navigate" in focused) return focused.navigate(url).catch(() => self.clients.openWindow(url));
        return focused;
      }
      return self.clients.openWindow(url);
    })(),
  );
});
