import { type TaskEvent, type TaskTokens, taskLimits } from "@berth/protocol/agent";
import { cut, oneLine, summariseToolInput, toolResultText } from "./summary.ts";

/** An event before the task numbers and dates it. */
export type EventDraft = Omit<TaskEvent, "seq" | "at" | "turn">;

/** Claude's final `result` line of a turn. */
export interface TurnResult {
  isError: boolean;
  /** The final answer, or the error text. */
  text: string;
  apiErrorStatus: number | null;
  tokens: TaskTokens | null;
  costUsd: number | null;
}

/**
 * Reads Claude Code's `--output-format stream-json --verbose` lines into timeline events. One
 * parser per turn: it remembers which tool each tool_use id was, the session id (for the next
 * turn's --resume), and the result.
 */
export class StreamParser {
  sessionId: string | null = null;
  result: TurnResult | null = null;
  /** The text of an API error Claude reported in the stream (a synthetic assistant message). */
  apiError: string | null = null;
  private readonly tools = new Map<string, string>();
  private readonly folder: string;

  /** `folder`: the repo as Claude sees it, so paths read relative to it. */
  constructor(folder: string) {
    this.folder = folder;
  }

  /** Events for one line; `toolDone` when a tool finished (time to look at the files). */
  line(raw: string): { events: EventDraft[]; toolDone: boolean } {
    const none = { events: [], toolDone: false };
    const text = raw.trim();
    if (!text.startsWith("{")) return none;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return none;
    }
    if (typeof msg.session_id === "string") this.sessionId = msg.session_id;
    switch (msg.type) {
      case "system":
        return { events: this.system(msg), toolDone: false };
      case "assistant":
        return { events: this.assistant(msg), toolDone: false };
      case "user":
        return this.user(msg);
      case "result":
        return { events: this.finish(msg), toolDone: false };
      default:
        return none;
    }
  }

  private system(msg: Record<string, unknown>): EventDraft[] {
    // Claude retries overloaded and rate-limited calls by itself and says so.
    if (msg.subtype !== "api_retry") return [];
    const status = typeof msg.error_status === "number" ? ` ${msg.error_status}` : "";
    const attempt = typeof msg.attempt === "number" ? ` (attempt ${msg.attempt})` : "";
    return [{ kind: "error", text: `API error${status}, retrying${attempt}` }];
  }

  private assistant(msg: Record<string, unknown>): EventDraft[] {
    const message = (msg.message ?? {}) as { content?: unknown };
    const blocks = Array.isArray(message.content) ? message.content : [];
    const events: EventDraft[] = [];
    for (const b of blocks as Array<Record<string, unknown>>) {
      if (b?.type === "text" && typeof b.text === "string" && b.text.trim()) {
        if (msg.error !== undefined) {
          this.apiError = b.text.trim();
          events.push({ kind: "error", text: cut(b.text.trim(), taskLimits.eventTextChars) });
        } else {
          events.push({ kind: "message", text: cut(b.text.trim(), taskLimits.eventTextChars) });
        }
      } else if (b?.type === "tool_use" && typeof b.name === "string") {
        const tool = b.name.slice(0, 100) || "tool";
        const id = typeof b.id === "string" && b.id ? b.id.slice(0, 100) : undefined;
        if (id) this.tools.set(id, tool);
        const summary = summariseToolInput(tool, b.input, this.folder);
        events.push({
          kind: "tool_call",
          text: cut(oneLine(`${tool} ${summary}`), taskLimits.eventTextChars),
          tool,
          ...(id ? { tool_use_id: id } : {}),
          input_summary: summary,
        });
      }
    }
    return events;
  }

  private user(msg: Record<string, unknown>): { events: EventDraft[]; toolDone: boolean } {
    const message = (msg.message ?? {}) as { content?: unknown };
    const blocks = Array.isArray(message.content) ? message.content : [];
    const events: EventDraft[] = [];
    for (const b of blocks as Array<Record<string, unknown>>) {
      if (b?.type !== "tool_result") continue;
      const id = typeof b.tool_use_id === "string" && b.tool_use_id ? b.tool_use_id.slice(0, 100) : undefined;
      const tool = (id && this.tools.get(id)) || undefined;
      events.push({
        kind: "tool_result",
        text: toolResultText(b.content),
        ...(tool ? { tool } : {}),
        ...(id ? { tool_use_id: id } : {}),
        is_error: b.is_error === true,
      });
    }
    return { events, toolDone: events.length > 0 };
  }

  private finish(msg: Record<string, unknown>): EventDraft[] {
    const tokens = usageTokens(msg.usage);
    const cost =
      typeof msg.total_cost_usd === "number" && Number.isFinite(msg.total_cost_usd) && msg.total_cost_usd >= 0
        ? msg.total_cost_usd
        : null;
    this.result = {
      isError: msg.is_error === true || (typeof msg.subtype === "string" && msg.subtype !== "success"),
      text: typeof msg.result === "string" ? msg.result : "",
      apiErrorStatus: typeof msg.api_error_status === "number" ? msg.api_error_status : null,
      tokens,
      costUsd: cost,
    };
    // A turn whose first request failed reports zeros: nothing was used, nothing to show.
    const used = (tokens && (tokens.input > 0 || tokens.output > 0)) || (cost !== null && cost > 0);
    if (!used) return [];
    const parts = tokens ? [`${tokens.input} tokens in`, `${tokens.output} out`] : [];
    if (cost !== null) parts.push(`$${cost.toFixed(4)}`);
    return [
      {
        kind: "usage",
        text: parts.join(", "),
        ...(tokens ? { tokens } : {}),
        ...(cost !== null ? { cost_usd: cost } : {}),
      },
    ];
  }
}

const count = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : null;

/** The result line's `usage` (Messages API names) as the timeline's tokens. */
export function usageTokens(usage: unknown): TaskTokens | null {
  if (!usage || typeof usage !== "object") return null;
  const u = usage as Record<string, unknown>;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  if (input === null || output === null) return null;
  const cacheRead = count(u.cache_read_input_tokens);
  const cacheCreation = count(u.cache_creation_input_tokens);
  return {
    input,
    output,
    ...(cacheRead !== null ? { cache_read: cacheRead } : {}),
    ...(cacheCreation !== null ? { cache_creation: cacheCreation } : {}),
  };
}
