import { isRecord } from "../http-util.ts";

/** One scripted answer to a main conversation request. Every kind may carry `delayMs`. */
export type Step =
  | { text: string; delayMs?: number }
  | { tool: string; input: Record<string, unknown>; text?: string; delayMs?: number }
  | {
      error: { status: number; type?: string; message?: string; retryAfter?: number };
      /** Streaming requests get a 200 whose stream breaks off with an `error` event instead. */
      midStream?: boolean;
      delayMs?: number;
    };

const STEP_KEYS = new Set(["text", "tool", "input", "error", "midStream", "delayMs"]);

/** Checks one step; returns it or a message saying what is wrong. */
export function validateStep(v: unknown, i: number): Step | string {
  const at = `steps[${i}]`;
  if (!isRecord(v)) return `${at} must be an object`;
  for (const k of Object.keys(v)) if (!STEP_KEYS.has(k)) return `${at}.${k} is not a step field`;
  if (v.delayMs !== undefined && (typeof v.delayMs !== "number" || !(v.delayMs >= 0)))
    return `${at}.delayMs must be a number >= 0`;
  if (v.text !== undefined && typeof v.text !== "string") return `${at}.text must be a string`;
  if (v.error !== undefined) {
    const e = v.error;
    if (
      !isRecord(e) ||
      !Number.isInteger(e.status) ||
      (e.status as number) < 400 ||
      (e.status as number) > 599
    )
      return `${at}.error.status must be an HTTP error status (400-599)`;
    if (e.type !== undefined && typeof e.type !== "string") return `${at}.error.type must be a string`;
    if (e.message !== undefined && typeof e.message !== "string")
      return `${at}.error.message must be a string`;
    if (e.retryAfter !== undefined && (!Number.isInteger(e.retryAfter) || (e.retryAfter as number) < 0))
      return `${at}.error.retryAfter must be an integer >= 0`;
    if (v.tool !== undefined || v.text !== undefined) return `${at}: an error step has no text or tool`;
    if (v.midStream !== undefined && typeof v.midStream !== "boolean")
      return `${at}.midStream must be boolean`;
    return v as Step;
  }
  if (v.midStream !== undefined) return `${at}.midStream belongs to an error step`;
  if (v.tool !== undefined) {
    if (typeof v.tool !== "string" || v.tool === "") return `${at}.tool must be a tool name`;
    if (!isRecord(v.input)) return `${at}.input must be an object`;
    return v as Step;
  }
  if (typeof v.text !== "string") return `${at} needs one of text, tool or error`;
  return v as Step;
}

export function validateScript(body: unknown): Step[] | string {
  if (!isRecord(body) || !Array.isArray(body.steps)) return "body must be { steps: Step[] }";
  const steps: Step[] = [];
  for (const [i, raw] of body.steps.entries()) {
    const step = validateStep(raw, i);
    if (typeof step === "string") return step;
    steps.push(step);
  }
  return steps;
}

/** What the stand-in keeps about one request; never the key itself. */
export interface AnthropicRequestRecord {
  at: string;
  path: string;
  /** "main" consumed a scripted step; "side" got a canned answer; "invalid" was refused with a 400. */
  kind: "main" | "side" | "count_tokens" | "invalid";
  status: number;
  model: string | null;
  stream: boolean;
  messageCount: number;
  toolCount: number;
  lastUserText: string | null;
  /** The person's words in every user message, oldest first. */
  userTexts: string[];
  toolResults: Array<{ tool_use_id: string; content: string; is_error: boolean }>;
  apiKeySha256: string | null;
  apiKeyLast4: string | null;
  /** Which step answered it ("no-script" when the queue was empty). */
  answer?: string;
}

/** The script queue and the request log. */
export class AnthropicState {
  private queue: Step[] = [];
  private log: AnthropicRequestRecord[] = [];

  append(steps: Step[]): number {
    this.queue.push(...steps);
    return this.queue.length;
  }

  clearScript(): void {
    this.queue = [];
  }

  next(): Step | undefined {
    return this.queue.shift();
  }

  pending(): Step[] {
    return [...this.queue];
  }

  record(r: AnthropicRequestRecord): void {
    this.log.push(r);
    if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
  }

  requests(): AnthropicRequestRecord[] {
    return [...this.log];
  }

  clearRequests(): void {
    this.log = [];
  }

  reset(): void {
    this.queue = [];
    this.log = [];
  }
}
