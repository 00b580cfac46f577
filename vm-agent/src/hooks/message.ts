import { type ClaudeHookEvent, claudeHookEvents } from "@berth/protocol/agent";
import type { HookInput } from "../idle/policy.ts";

/**
 * What `berth-agent hook` sends over the socket: one JSON line with only the fields the daemon
 * needs. The hook's full stdin (tool_input can be megabytes of file content) never crosses.
 */
export interface HookMessage {
  event: string;
  session_id: string | null;
  notification_type: string | null;
  tool_name: string | null;
}

const MAX_FIELD = 200;

function str(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v.slice(0, MAX_FIELD) : null;
}

/** Builds the message from the event argument and Claude Code's hook JSON (which may be garbage). */
export function hookMessage(eventArg: string, stdinText: string): HookMessage {
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(stdinText);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      payload = parsed as Record<string, unknown>;
    }
  } catch {
    // Claude sends JSON; anything else still counts as the event named on the command line.
  }
  return {
    // The JSON's own event name wins over the argument: it cannot be misconfigured.
    event: str(payload.hook_event_name) ?? eventArg.slice(0, MAX_FIELD),
    session_id: str(payload.session_id),
    notification_type: str(payload.notification_type),
    tool_name: str(payload.tool_name),
  };
}

function isHookEvent(v: string): v is ClaudeHookEvent {
  return (claudeHookEvents as readonly string[]).includes(v);
}

/** Daemon side: a line from the socket to the policy's input, or null for anything unknown. */
export function parseHookLine(line: string): HookInput | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object") return null;
  const m = v as Record<string, unknown>;
  if (typeof m.event !== "string" || !isHookEvent(m.event)) return null;
  return {
    event: m.event,
    // Hooks without a session id share one bucket rather than being dropped.
    sessionId: str(m.session_id) ?? "unknown",
    notificationType: str(m.notification_type),
  };
}
