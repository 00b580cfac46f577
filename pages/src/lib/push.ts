/**
 * Web Push on this device: the service worker (public/sw.js) and the browser's push subscription.
 * Push works with the dashboard closed; the in-page notifications (notifications.ts) only while open.
 */

export const serviceWorkerUrl = "/sw.js";

export function pushSupported(): boolean {
  return (
    typeof navigator !== "undefined" &&
    "serviceWorker" in navigator &&
    typeof window !== "undefined" &&
    "PushManager" in window &&
    typeof Notification !== "undefined"
  );
}

/** The VAPID key as pushManager.subscribe wants it: the base64url key's bytes. */
export function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(serviceWorkerUrl, { scope: "/" });
  return navigator.serviceWorker.ready;
}

/** This device's subscription, if it has one (without asking for anything). */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const existing = await navigator.serviceWorker.getRegistration("/");
  return existing ? existing.pushManager.getSubscription() : null;
}

export interface SubscriptionJson {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
}

/**
 * Asks for permission (a click must lead here: browsers refuse otherwise), then subscribes this
 * browser at its push service with Berth's key. A subscription made with another key is replaced.
 */
export async function subscribeThisDevice(publicKey: string): Promise<SubscriptionJson> {
  if (!pushSupported()) throw new Error("This browser cannot receive push notifications.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted")
    throw new Error("Notifications are blocked for this site: allow them in the browser's site settings.");
  const reg = await registration();
  const key = applicationServerKey(publicKey);
  let subscription = await reg.pushManager.getSubscription();
  const sameKey = (s: PushSubscription) => {
    const current = s.options.applicationServerKey;
    return current !== null && new Uint8Array(current).join() === key.join();
  };
  if (subscription && !sameKey(subscription)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (err) {
    // The browser's own words ("Registration failed - ...") mean little to a person on their own.
    const why = err instanceof Error ? ` (${err.message})` : "";
    throw new Error(
      `This browser could not subscribe at its push service${why}. Private windows and browsers without their vendor's push service cannot receive notifications.`,
    );
  }
  const json = subscription.toJSON();
  if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth)
    throw new Error("The browser's push subscription has no keys.");
  return {
    endpoint: json.endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
  };
}

/** Unsubscribes this browser at its push service; returns the endpoint to forget, if there was one. */
export async function unsubscribeThisDevice(): Promise<string | null> {
  const subscription = await currentSubscription();
  if (!subscription) return null;
  await subscription.unsubscribe();
  return subscription.endpoint;
}
