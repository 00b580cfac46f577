import type { Env } from "../env.ts";
import { parseVapidKeys, type VapidKeys } from "./vapid.ts";

/** What sending Web Push needs; absent (null) when VAPID_PRIVATE_KEY is not set: nothing is sent then. */
export interface PushConfig {
  vapid: VapidKeys;
  /**
   * The one origin a subscription may use over plain http: the push service stand-in of local mode
   * (PUSH_LOCAL_SERVICE_URL). Every real push service is https.
   */
  httpOriginAllowed: string | null;
}

/** VAPID's `sub`: VAPID_SUBJECT, else the dashboard's https origin, else a local mailto. */
function subject(env: Env): string {
  if (env.VAPID_SUBJECT) return env.VAPID_SUBJECT;
  return env.BERTH_PUBLIC_URL?.startsWith("https://") ? env.BERTH_PUBLIC_URL : "mailto:berth@localhost";
}

export function pushConfigFrom(env: Env): PushConfig | null {
  if (!env.VAPID_PRIVATE_KEY) return null;
  let httpOriginAllowed: string | null = null;
  try {
    if (env.PUSH_LOCAL_SERVICE_URL) httpOriginAllowed = new URL(env.PUSH_LOCAL_SERVICE_URL).origin;
  } catch {}
  try {
    return { vapid: parseVapidKeys(env.VAPID_PRIVATE_KEY, subject(env)), httpOriginAllowed };
  } catch {
    // The configuration check names the problem (GET /api/health); push just stays off.
    return null;
  }
}
