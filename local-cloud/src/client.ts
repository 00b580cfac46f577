/**
 * Control client for a local-cloud service. Uses only `fetch` (runs in workerd tests too).
 * Pass any URL of the service (e.g. http://127.0.0.1:8701/v1); only its origin is used.
 */

// Type-only imports are erased, so this file still loads nothing but itself in workerd.
import type { FaultRule } from "./faults.ts";
import type { RecordedRequest } from "./recorder.ts";

export type { FaultRule, RecordedRequest };

export interface LocalCloudControl {
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  fault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  state<T = unknown>(): Promise<T>;
}

export function localCloudControl(
  serviceBaseUrl: string,
  fetchImpl: typeof fetch = fetch,
): LocalCloudControl {
  const origin = new URL(serviceBaseUrl).origin;
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetchImpl(`${origin}/__berth/${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`local-cloud ${method} /__berth/${path} -> ${res.status}: ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  }
  return {
    requests: async () => (await call("GET", "requests")) as RecordedRequest[],
    clearRequests: async () => {
      await call("DELETE", "requests");
    },
    fault: async (rule) => {
      await call("POST", "faults", rule);
    },
    clearFaults: async () => {
      await call("DELETE", "faults");
    },
    reset: async () => {
      await call("POST", "reset");
    },
    state: async <T = unknown>() => (await call("GET", "state")) as T,
  };
}
