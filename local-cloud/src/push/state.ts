import { randomBytes } from "node:crypto";
import type { ReceiverKeys } from "./ece.ts";
import type { VapidClaims } from "./vapid.ts";

/** A browser's subscription at the push service: its path, and the keys only the browser holds. */
export interface PushSubscriptionRecord {
  id: string;
  keys: ReceiverKeys;
  /** pushManager.subscribe's applicationServerKey, when given: pushes signed with another key are 403. */
  applicationServerKey: string | null;
  /** Unsubscribed or expired: the push service answers 410 Gone from then on. */
  gone: boolean;
}

/** A message the push service accepted, with what the browser would decrypt from it. */
export interface PushMessageRecord {
  id: string;
  subscription: string;
  ttl: number;
  urgency: string;
  topic: string | null;
  vapid: VapidClaims;
  bytes: number;
  /** The decrypted payload, or null when it did not decrypt (then decrypt_error says why). */
  payload: string | null;
  decrypt_error: string | null;
  at: string;
}

export class PushState {
  readonly subscriptions = new Map<string, PushSubscriptionRecord>();
  messages: PushMessageRecord[] = [];

  subscribe(keys: ReceiverKeys, applicationServerKey: string | null): PushSubscriptionRecord {
    const record = { id: randomBytes(24).toString("base64url"), keys, applicationServerKey, gone: false };
    this.subscriptions.set(record.id, record);
    return record;
  }

  reset(): void {
    this.subscriptions.clear();
    this.messages = [];
  }

  /** Never the private keys: only what a push service could show. */
  dump() {
    return {
      subscriptions: [...this.subscriptions.values()].map((s) => ({
        id: s.id,
        gone: s.gone,
        application_server_key: s.applicationServerKey,
      })),
      messages: this.messages,
    };
  }
}
