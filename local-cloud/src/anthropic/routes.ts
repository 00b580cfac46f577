import { type ServiceRequest, type ServiceResponse, sleep } from "../http-util.ts";
import type { TokenBucket } from "../rate-limit.ts";
import type { ServiceDef } from "../service.ts";
import { isMainRequest, sideAnswer } from "./classify.ts";
import { MODELS, modelObject } from "./models.ts";
import {
  apiKeyOf,
  inputChars,
  keyFingerprint,
  lastUserText,
  type MessagesRequest,
  parseMessagesRequest,
  toolResults,
  userTexts,
} from "./request.ts";
import { type AnthropicRequestRecord, type AnthropicState, type Step, validateScript } from "./script.ts";
import {
  anthropicError,
  brokenStreamEvents,
  buildMessage,
  type ContentBlock,
  errorType,
  newId,
  streamEvents,
} from "./wire.ts";

export interface AnthropicServiceOptions {
  state: AnthropicState;
  /** Requests per minute (the `anthropic-ratelimit-requests-*` headers and 429s). */
  bucket: TokenBucket;
  /** Accepted keys; undefined = any non-empty key. */
  apiKeys?: string[];
  /** Pause between SSE events, so clients see a real stream; default 2 ms. */
  eventGapMs?: number;
}

export const NO_SCRIPT_TEXT = "(no script) OK";
const INPUT_TOKEN_LIMIT = 2_000_000;
const OUTPUT_TOKEN_LIMIT = 400_000;

function rateLimitHeaders(bucket: TokenBucket, inputTokens: number): Record<string, string> {
  const view = bucket.peek();
  const resetAt = new Date(view.resetAt * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const nextMinute = new Date(Math.ceil(Date.now() / 60000) * 60000).toISOString().replace(/\.\d+Z$/, "Z");
  return {
    "anthropic-ratelimit-requests-limit": String(view.limit),
    "anthropic-ratelimit-requests-remaining": String(view.remaining),
    "anthropic-ratelimit-requests-reset": resetAt,
    "anthropic-ratelimit-input-tokens-limit": String(INPUT_TOKEN_LIMIT),
    "anthropic-ratelimit-input-tokens-remaining": String(INPUT_TOKEN_LIMIT - inputTokens),
    "anthropic-ratelimit-input-tokens-reset": nextMinute,
    "anthropic-ratelimit-output-tokens-limit": String(OUTPUT_TOKEN_LIMIT),
    "anthropic-ratelimit-output-tokens-remaining": String(OUTPUT_TOKEN_LIMIT),
    "anthropic-ratelimit-output-tokens-reset": nextMinute,
    "anthropic-ratelimit-tokens-limit": String(INPUT_TOKEN_LIMIT + OUTPUT_TOKEN_LIMIT),
    "anthropic-ratelimit-tokens-remaining": String(INPUT_TOKEN_LIMIT + OUTPUT_TOKEN_LIMIT - inputTokens),
    "anthropic-ratelimit-tokens-reset": nextMinute,
  };
}

function contentFor(step: Step | undefined, fallback: string): ContentBlock[] {
  if (!step || !("tool" in step || "text" in step)) return [{ type: "text", text: fallback }];
  const out: ContentBlock[] = [];
  if (step.text !== undefined) out.push({ type: "text", text: step.text });
  if ("tool" in step) out.push({ type: "tool_use", id: newId("toolu"), name: step.tool, input: step.input });
  return out;
}

function answer(
  opts: AnthropicServiceOptions,
  req: MessagesRequest,
  content: ContentBlock[],
  headers: Record<string, string>,
  inputTokens: number,
): ServiceResponse {
  const msg = buildMessage(req.model, content, inputTokens);
  if (!req.stream) return { status: 200, headers, json: msg };
  return sse(opts, headers, streamEvents(msg));
}

function sse(
  opts: AnthropicServiceOptions,
  headers: Record<string, string>,
  events: string[],
): ServiceResponse {
  const gap = opts.eventGapMs ?? 2;
  return {
    status: 200,
    headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    stream: async function* () {
      for (const event of events) {
        yield event;
        if (gap > 0) await sleep(gap);
      }
    },
  };
}

/** Authentication, version header and rate limit, in the order the real API checks them. */
function gate(opts: AnthropicServiceOptions, req: ServiceRequest): ServiceResponse | null {
  const key = apiKeyOf(req.headers);
  if (key === null) return anthropicError(401, { message: "x-api-key header is required" });
  if (opts.apiKeys && !opts.apiKeys.includes(key))
    return anthropicError(401, { message: "invalid x-api-key" });
  if (req.headers["anthropic-version"] === undefined)
    return anthropicError(400, { message: "anthropic-version: header is required" });
  const take = opts.bucket.take();
  if (!take.ok)
    return anthropicError(429, {
      message: "Number of requests has exceeded your per-minute rate limit",
      retryAfter: take.retryAfter,
      headers: rateLimitHeaders(opts.bucket, 0),
    });
  return null;
}

async function messages(opts: AnthropicServiceOptions, req: ServiceRequest, count: boolean) {
  const key = apiKeyOf(req.headers);
  const parsed = parseMessagesRequest(req.body, count);
  const base = {
    at: new Date().toISOString(),
    path: req.path,
    ...keyFingerprint(key),
  };
  if (typeof parsed === "string") {
    opts.state.record({ ...base, ...emptySummary(), kind: "invalid", status: 400 });
    return anthropicError(400, { message: parsed });
  }
  const summary = {
    model: parsed.model,
    stream: parsed.stream,
    messageCount: parsed.messages.length,
    toolCount: parsed.tools.length,
    lastUserText: lastUserText(parsed),
    userTexts: userTexts(parsed),
    toolResults: toolResults(parsed),
  };
  const inputTokens = Math.ceil(inputChars(parsed) / 4);
  const headers = { "request-id": newId("req"), ...rateLimitHeaders(opts.bucket, inputTokens) };
  if (count) {
    opts.state.record({ ...base, ...summary, kind: "count_tokens", status: 200 });
    return { status: 200, headers, json: { input_tokens: inputTokens } };
  }
  if (!isMainRequest(parsed)) {
    opts.state.record({ ...base, ...summary, kind: "side", status: 200, answer: "side" });
    return answer(opts, parsed, [{ type: "text", text: sideAnswer(req.body) }], headers, inputTokens);
  }
  const step = opts.state.next();
  if (step?.delayMs) await sleep(step.delayMs);
  const label = step ? ("error" in step ? "error" : "tool" in step ? "tool" : "text") : "no-script";
  if (step && "error" in step && step.midStream && parsed.stream) {
    const { status, type, message } = step.error;
    opts.state.record({ ...base, ...summary, kind: "main", status: 200, answer: "error-mid-stream" });
    const msg = buildMessage(parsed.model, [], inputTokens);
    return sse(opts, headers, brokenStreamEvents(msg, type ?? errorType(status), message));
  }
  if (step && "error" in step) {
    const { status, type, message, retryAfter } = step.error;
    opts.state.record({ ...base, ...summary, kind: "main", status, answer: label });
    return anthropicError(status, {
      ...(type ? { type } : {}),
      ...(message ? { message } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  opts.state.record({ ...base, ...summary, kind: "main", status: 200, answer: label });
  return answer(opts, parsed, contentFor(step, NO_SCRIPT_TEXT), headers, inputTokens);
}

function emptySummary(): Omit<
  AnthropicRequestRecord,
  "at" | "path" | "kind" | "status" | "apiKeySha256" | "apiKeyLast4"
> {
  return {
    model: null,
    stream: false,
    messageCount: 0,
    toolCount: 0,
    lastUserText: null,
    userTexts: [],
    toolResults: [],
  };
}

function models(req: ServiceRequest): ServiceResponse {
  const id = req.path.slice("/v1/models/".length);
  if (req.path === "/v1/models")
    return {
      status: 200,
      json: { data: MODELS.map(modelObject), has_more: false, first_id: MODELS[0], last_id: MODELS.at(-1) },
    };
  const found = MODELS.find((m) => m === id);
  return found ? { status: 200, json: modelObject(found) } : anthropicError(404, { message: `model: ${id}` });
}

function control(state: AnthropicState, req: ServiceRequest): ServiceResponse | undefined {
  const route = `${req.method} ${req.path}`;
  switch (route) {
    case "POST /__berth/anthropic/script": {
      const steps = validateScript(req.body);
      if (typeof steps === "string") return { status: 400, json: { error: steps } };
      return { status: 201, json: { ok: true, queued: state.append(steps) } };
    }
    case "GET /__berth/anthropic/script":
      return { status: 200, json: { steps: state.pending() } };
    case "DELETE /__berth/anthropic/script":
      state.clearScript();
      return { status: 200, json: { ok: true } };
    case "GET /__berth/anthropic/requests":
      return { status: 200, json: state.requests() };
    case "DELETE /__berth/anthropic/requests":
      state.clearRequests();
      return { status: 200, json: { ok: true } };
    default:
      return undefined;
  }
}

export function anthropicService(opts: AnthropicServiceOptions): ServiceDef {
  return {
    name: "anthropic",
    maxBodyBytes: 32 * 1024 * 1024,
    async handle(req) {
      if (req.path === "/" && (req.method === "GET" || req.method === "HEAD"))
        return { status: 200, text: "", headers: { "content-type": "text/plain" } };
      if (!req.path.startsWith("/v1/")) return anthropicError(404, { message: `${req.method} ${req.path}` });
      const denied = gate(opts, req);
      if (denied) return denied;
      if (req.method === "POST" && req.path === "/v1/messages") return messages(opts, req, false);
      if (req.method === "POST" && req.path === "/v1/messages/count_tokens") return messages(opts, req, true);
      if (req.method === "GET" && req.path.startsWith("/v1/models")) return models(req);
      return anthropicError(404, { message: `${req.method} ${req.path}` });
    },
    faultResponse: (status) => anthropicError(status),
    reset() {
      opts.state.reset();
      opts.bucket.refillAll();
    },
    dump: () => ({ script: opts.state.pending(), requests: opts.state.requests() }),
    control: (req) => control(opts.state, req),
  };
}
