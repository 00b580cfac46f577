import { randomBytes } from "node:crypto";
import type { ServiceResponse } from "../http-util.ts";

/** Anthropic's error types by HTTP status (https://docs.anthropic.com/en/api/errors). */
export const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: "Invalid request",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "Not found",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Ids shaped like the real ones: a prefix, "01", then 22 base62 characters. */
export function newId(prefix: "msg" | "toolu" | "req"): string {
  const bytes = randomBytes(22);
  let s = "";
  for (const b of bytes) s += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}_01${s}`;
}

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

export function errorBody(type: string, message?: string, requestId = newId("req")) {
  return {
    type: "error",
    error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? type },
    request_id: requestId,
  };
}

/** An HTTP error in Anthropic's shape, with its `request-id` header (and `retry-after` for 429). */
export function anthropicError(
  status: number,
  opts: { type?: string; message?: string; retryAfter?: number; headers?: Record<string, string> } = {},
): ServiceResponse {
  const requestId = newId("req");
  const headers: Record<string, string> = { "request-id": requestId, ...opts.headers };
  if (status === 429 || opts.retryAfter !== undefined) headers["retry-after"] = String(opts.retryAfter ?? 1);
  return {
    status,
    headers,
    json: errorBody(opts.type ?? errorType(status), opts.message, requestId),
  };
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface AssistantMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: "end_turn" | "tool_use" | "max_tokens";
  stop_sequence: null;
  usage: Usage;
}

/** A rough token estimate (about 4 characters a token), enough for plausible usage numbers. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function buildMessage(model: string, content: ContentBlock[], inputTokens: number): AssistantMessage {
  const outText = content.map((b) => (b.type === "text" ? b.text : JSON.stringify(b.input))).join("");
  return {
    id: newId("msg"),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: estimateTokens(outText),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** Splits a string into about `parts` pieces (the real API streams partial JSON in small chunks). */
export function chunks(s: string, parts: number): string[] {
  if (s.length === 0) return [];
  const size = Math.max(1, Math.ceil(s.length / parts));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A stream that starts like a normal answer and breaks off with an `error` event, as the real API
 * does when it is overloaded mid-answer (the HTTP status is already 200 by then).
 */
export function brokenStreamEvents(msg: AssistantMessage, type: string, message?: string): string[] {
  const [start] = streamEvents({ ...msg, content: [] });
  return [
    start ?? "",
    sse("ping", { type: "ping" }),
    sse("error", { type: "error", error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? type } }),
  ];
}

/** The SSE events for one message, exactly in the order the real API sends them. */
export function streamEvents(msg: AssistantMessage): string[] {
  const start = {
    ...msg,
    content: [],
    stop_reason: null,
    usage: { ...msg.usage, output_tokens: 1 },
  };
  const events = [sse("message_start", { type: "message_start", message: start })];
  msg.content.forEach((block, index) => {
    const empty = block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} };
    events.push(sse("content_block_start", { type: "content_block_start", index, content_block: empty }));
    if (index === 0) events.push(sse("ping", { type: "ping" }));
    const deltas =
      block.type === "text"
        ? chunks(block.text, 3).map((text) => ({ type: "text_delta", text }))
        : ["", ...chunks(JSON.stringify(block.input), 4)].map((partial_json) => ({
            type: "input_json_delta",
            partial_json,
          }));
    for (const delta of deltas)
      events.push(sse("content_block_delta", { type: "content_block_delta", index, delta }));
    events.push(sse("content_block_stop", { type: "content_block_stop", index }));
  });
  events.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: msg.stop_reason, stop_sequence: null },
      usage: { output_tokens: msg.usage.output_tokens },
    }),
  );
  events.push(sse("message_stop", { type: "message_stop" }));
  return events;
}
