/**
 * Control client for a local-cloud service. Uses only `fetch` (runs in workerd tests too).
 * Pass any URL of the service (e.g. http://127.0.0.1:8701/v1); only its origin is used.
 */

// Type-only imports are erased, so this file still loads nothing but itself in workerd.
import type { AnthropicRequestRecord, Step as AnthropicStep } from "./anthropic/script.ts";
import type { FaultRule } from "./faults.ts";
import type { RecordedRequest } from "./recorder.ts";

export type { AnthropicRequestRecord, AnthropicStep, FaultRule, RecordedRequest };

export interface LocalCloudControl {
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  fault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  state<T = unknown>(): Promise<T>;
}

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;

function caller(serviceBaseUrl: string, fetchImpl: typeof fetch): Call {
  const origin = new URL(serviceBaseUrl).origin;
  return async (method, path, body) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetchImpl(`${origin}/__berth/${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`local-cloud ${method} /__berth/${path} -> ${res.status}: ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
}

export function localCloudControl(
  serviceBaseUrl: string,
  fetchImpl: typeof fetch = fetch,
): LocalCloudControl {
  const call = caller(serviceBaseUrl, fetchImpl);
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

/** Scripting for the Anthropic Messages API stand-in (`/__berth/anthropic/*`). */
export interface AnthropicControl extends LocalCloudControl {
  /** Appends steps to the FIFO queue main conversation requests consume. */
  script(steps: AnthropicStep[]): Promise<void>;
  /** Steps not consumed yet. */
  pending(): Promise<AnthropicStep[]>;
  clearScript(): Promise<void>;
  /** Summaries of the Messages requests received, oldest first (never the key). */
  messages(): Promise<AnthropicRequestRecord[]>;
  clearMessages(): Promise<void>;
}

export function anthropicControl(baseUrl: string, fetchImpl: typeof fetch = fetch): AnthropicControl {
  const call = caller(baseUrl, fetchImpl);
  return {
    ...localCloudControl(baseUrl, fetchImpl),
    script: async (steps) => {
      await call("POST", "anthropic/script", { steps });
    },
    pending: async () => ((await call("GET", "anthropic/script")) as { steps: AnthropicStep[] }).steps,
    clearScript: async () => {
      await call("DELETE", "anthropic/script");
    },
    messages: async () => (await call("GET", "anthropic/requests")) as AnthropicRequestRecord[],
    clearMessages: async () => {
      await call("DELETE", "anthropic/requests");
    },
  };
}
