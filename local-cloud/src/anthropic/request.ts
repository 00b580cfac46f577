import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { bearerToken, isRecord, JSON_ERROR } from "../http-util.ts";

export interface MessagesRequest {
  model: string;
  max_tokens?: number;
  stream: boolean;
  messages: Array<{ role: "user" | "assistant" | "system"; content: unknown }>;
  tools: unknown[];
  system: unknown;
}

/** The caller's key from `x-api-key` or `Authorization: Bearer` (Claude Code uses either). */
export function apiKeyOf(headers: IncomingHttpHeaders): string | null {
  const x = headers["x-api-key"];
  if (typeof x === "string" && x.trim() !== "") return x.trim();
  return bearerToken(headers);
}

export function keyFingerprint(key: string | null): {
  apiKeySha256: string | null;
  apiKeyLast4: string | null;
} {
  if (key === null) return { apiKeySha256: null, apiKeyLast4: null };
  return { apiKeySha256: createHash("sha256").update(key).digest("hex"), apiKeyLast4: key.slice(-4) };
}

/**
 * Validates a Messages (or count_tokens) body the way the real API reports problems:
 * `<field path>: <what is wrong>`. Returns the request or that message.
 */
export function parseMessagesRequest(body: unknown, countOnly = false): MessagesRequest | string {
  if (body === undefined) return "messages: Field required";
  if (body === JSON_ERROR || !isRecord(body))
    return "There was an issue with the body of your request: it is not a JSON object.";
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (!countOnly) {
    if (body.max_tokens === undefined) return "max_tokens: Field required";
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
      return "max_tokens: Input should be a valid integer greater than or equal to 1";
  }
  if (body.stream !== undefined && typeof body.stream !== "boolean")
    return "stream: Input should be a valid boolean";
  if (!Array.isArray(body.messages)) return "messages: Field required";
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m)) return `messages.${i}: Input should be a valid dictionary`;
    // "system" turns mid-conversation come with the mid-conversation-system beta Claude Code uses.
    if (m.role !== "user" && m.role !== "assistant" && m.role !== "system")
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    if (typeof m.content !== "string" && !Array.isArray(m.content))
      return `messages.${i}.content: Input should be a valid string or list`;
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) return "tools: Input should be a valid list";
  return {
    model: body.model,
    ...(typeof body.max_tokens === "number" ? { max_tokens: body.max_tokens } : {}),
    stream: body.stream === true,
    messages: body.messages as MessagesRequest["messages"],
    tools: (body.tools as unknown[] | undefined) ?? [],
    system: body.system,
  };
}

const TRUNCATE = 500;
const truncate = (s: string) => (s.length > TRUNCATE ? `${s.slice(0, TRUNCATE)}…` : s);

function blocks(content: unknown): Record<string, unknown>[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function textOf(content: unknown): string {
  return blocks(content)
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .join("\n");
}

/**
 * The person's words in the last user message: its text blocks, leaving out the
 * `<system-reminder>` blocks Claude Code adds around them.
 */
export function lastUserText(req: MessagesRequest): string | null {
  const last = req.messages.findLast((m) => m.role === "user");
  return last ? personText(last.content) : null;
}

/**
 * The person's words in every user message, oldest first (tool results and reminders left out):
 * a resumed conversation (`claude --continue`) shows its earlier prompts here.
 */
export function userTexts(req: MessagesRequest): string[] {
  return req.messages
    .filter((m) => m.role === "user")
    .map((m) => personText(m.content))
    .filter((t): t is string => t !== null);
}

function personText(content: unknown): string | null {
  const texts = blocks(content)
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => (b.text as string).trim())
    .filter((t) => t !== "" && !t.startsWith("<system-reminder>"));
  return texts.length > 0 ? truncate(texts.join("\n")) : null;
}

export function toolResults(req: MessagesRequest) {
  // The tool results answer the previous turn only when they are in the newest user message.
  const last = req.messages.findLast((m) => m.role !== "system");
  if (last?.role !== "user") return [];
  return blocks(last.content)
    .filter((b) => b.type === "tool_result")
    .map((b) => ({
      tool_use_id: String(b.tool_use_id ?? ""),
      content: truncate(typeof b.content === "string" ? b.content : textOf(b.content)),
      is_error: b.is_error === true,
    }));
}

/** A rough count of the request's input tokens (system, tools and messages). */
export function inputChars(req: MessagesRequest): number {
  return JSON.stringify([req.system ?? "", req.tools, req.messages]).length;
}
