import { encryptNotification } from "@block65/webcrypto-web-push";
import type { Subscription } from "./subscriptions.ts";
import { type VapidKeys, vapidAuthorization } from "./vapid.ts";

/** RFC 8030 §5.3: how urgently the push service should wake the device. */
export type Urgency = "very-low" | "low" | "normal" | "high";

export interface PushOptions {
  /** Seconds the push service keeps the message for a device that is offline (RFC 8030 §5.2). */
  ttlSeconds: number;
  urgency: Urgency;
}

/** What became of one push: delivered to the push service, gone for good, or failed this time. */
export type PushOutcome =
  | { result: "sent" }
  | { result: "gone"; status: number }
  | { result: "failed"; reason: string };

const sendTimeoutMs = 10_000;

/**
 * Encrypts the payload for one subscription (RFC 8291, aes128gcm, one record; encrypted by
 * @block65/webcrypto-web-push) and POSTs it with a VAPID Authorization (RFC 8292). Never throws.
 */
export async function pushToSubscription(
  vapid: VapidKeys,
  subscription: Subscription,
  payload: string,
  options: PushOptions,
  nowMs: number,
): Promise<PushOutcome> {
  try {
    const body = await encryptNotification(
      { endpoint: subscription.endpoint, expirationTime: null, keys: subscription },
      new TextEncoder().encode(payload),
    );
    const response = await fetch(subscription.endpoint, {
      method: "POST",
      headers: {
        authorization: await vapidAuthorization(vapid, subscription.endpoint, nowMs),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(options.ttlSeconds),
        urgency: options.urgency,
      },
      body,
      signal: AbortSignal.timeout(sendTimeoutMs),
    });
    // The body is the push service's error text at most; read it so the connection is freed.
    await response.body?.cancel();
    if (response.ok) return { result: "sent" };
    // RFC 8030 §7.3: the subscription expired or was removed; it will never work again.
    if (response.status === 404 || response.status === 410)
      return { result: "gone", status: response.status };
    return { result: "failed", reason: `push service answered ${response.status}` };
  } catch (err) {
    const name = err instanceof Error ? err.name : "error";
    return {
      result: "failed",
      reason: name === "TimeoutError" ? "push service timed out" : `request failed (${name})`,
    };
  }
}
