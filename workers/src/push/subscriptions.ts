import { errorCodes } from "@berth/protocol";
import { and, count, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { pushSubscriptions } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { randomToken } from "../security/tokens.ts";
import { fromBase64Url } from "./base64url.ts";

/** A browser's PushSubscription as the Worker uses it: keys opened, ready to encrypt for. */
export interface Subscription {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Browsers (phones, laptops) one person may subscribe; a subscription per browser profile. */
export const maxSubscriptionsPerUser = 20;

const invalid = (message: string) => new ApiError(422, errorCodes.validation, message);

/**
 * Checks what a browser sent before anything is stored: an https endpoint (http only at the local
 * stand-in's origin), an uncompressed P-256 point and a 16-byte auth secret (RFC 8291 §3).
 */
export async function validateSubscription(
  input: { endpoint: string; keys: { p256dh: string; auth: string } },
  httpOriginAllowed: string | null,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch {
    throw invalid("endpoint must be an absolute URL");
  }
  const localStandIn = httpOriginAllowed !== null && url.origin === httpOriginAllowed;
  if (url.protocol !== "https:" && !localStandIn) throw invalid("endpoint must be an https URL");
  if (url.username || url.password) throw invalid("endpoint must not contain credentials");
  const point = fromBase64Url(input.keys.p256dh);
  const notAKey = invalid("keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)");
  if (point?.length !== 65 || point[0] !== 0x04) throw notAKey;
  try {
    // A point off the curve would fail every push later; refuse it now.
    await crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, false, []);
  } catch {
    throw notAKey;
  }
  if (fromBase64Url(input.keys.auth)?.length !== 16)
    throw invalid("keys.auth must be a 16-byte authentication secret (base64url)");
}

const context = (id: string, part: "p256dh" | "auth") => `push-subscription:${id}:${part}`;

/**
 * Stores (or takes over) a subscription. The endpoint is unique: the same browser subscribing again,
 * even for another person signed in on it, replaces the row with the new keys and owner.
 */
export async function saveSubscription(
  db: Database,
  box: SecretBox,
  userId: string,
  input: { endpoint: string; keys: { p256dh: string; auth: string } },
  now: number,
): Promise<{ endpoint: string; createdAt: Date }> {
  const existing = await db.query.pushSubscriptions.findFirst({
    where: eq(pushSubscriptions.endpoint, input.endpoint),
  });
  if (existing?.userId !== userId) {
    const [row] = await db
      .select({ n: count() })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.userId, userId));
    if ((row?.n ?? 0) >= maxSubscriptionsPerUser)
      throw new ApiError(
        409,
        errorCodes.limitReached,
        `at most ${maxSubscriptionsPerUser} browsers can be subscribed; turn notifications off on one first`,
      );
  }
  const id = existing?.id ?? randomToken("ps_", 16);
  const sealed = {
    userId,
    p256dhCiphertext: await box.seal(input.keys.p256dh, context(id, "p256dh")),
    authCiphertext: await box.seal(input.keys.auth, context(id, "auth")),
    updatedAt: new Date(now),
  };
  const [saved] = await db
    .insert(pushSubscriptions)
    .values({ id, endpoint: input.endpoint, createdAt: new Date(now), ...sealed })
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: sealed })
    .returning({ endpoint: pushSubscriptions.endpoint, createdAt: pushSubscriptions.createdAt });
  if (!saved) throw new Error("push subscription was not stored");
  return saved;
}

/** Removes the person's subscription with this endpoint; false when they have none such. */
export async function removeSubscription(db: Database, userId: string, endpoint: string): Promise<boolean> {
  const gone = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
    .returning({ id: pushSubscriptions.id });
  return gone.length > 0;
}

/** The push service said the subscription is gone (404/410): it never comes back. */
export async function forgetSubscription(db: Database, id: string): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
}

/** The person's subscriptions with their keys opened; one that does not open is skipped (and logged). */
export async function subscriptionsOf(db: Database, box: SecretBox, userId: string): Promise<Subscription[]> {
  const rows = await db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  const opened = await Promise.all(
    rows.map(async (row) => {
      try {
        return {
          id: row.id,
          endpoint: row.endpoint,
          p256dh: await box.open(row.p256dhCiphertext, context(row.id, "p256dh")),
          auth: await box.open(row.authCiphertext, context(row.id, "auth")),
        };
      } catch {
        console.warn(`push: subscription ${row.id} does not open (ENCRYPTION_KEY rotated?); skipped`);
        return null;
      }
    }),
  );
  return opened.filter((s): s is Subscription => s !== null);
}

/** How many browsers the person has subscribed (for the Settings view). */
export async function subscriptionCount(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, userId));
  return row?.n ?? 0;
}
