/** What the agent knows about Claude Code inside the workspace, from its hooks. */
export const claudeStates = ["idle", "working", "waiting"] as const;
export type ClaudeState = (typeof claudeStates)[number];

/** Why Claude is waiting for a person (Notification hook types). */
export const claudeWaitReasons = ["permission_prompt", "idle_prompt"] as const;
export type ClaudeWaitReason = (typeof claudeWaitReasons)[number];

/** Claude Code hook events the agent subscribes to (`berth-agent hook <event>`). */
export const claudeHookEvents = [
  "SessionStart",
  "SessionEnd",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "SubagentStart",
  "SubagentStop",
  "Notification",
  "Stop",
  "StopFailure",
] as const;
export type ClaudeHookEvent = (typeof claudeHookEvents)[number];
