import { taskEventSchema, taskLimits, taskPermissionModes, workspaceStates } from "@berth/protocol";
import { z } from "@hono/zod-openapi";
import { taskStatuses, taskWhenDone } from "../db/schema/index.ts";

const noControlChars = (s: string) => /^[\x21-\x7e]+$/.test(s);

/** "owner/name" on this Berth's GitHub, or a repository URL (no credentials: they would reach the VM). */
const repo = z
  .string()
  .min(1)
  .max(2048)
  .refine(noControlChars, "must not contain spaces or control characters")
  .refine(
    (s) =>
      /^[\w.-]+\/[\w.-]+$/.test(s) ||
      /^(https?|ssh|git):\/\/[^/]+\/.+/.test(s) ||
      /^[\w.-]+@[\w.-]+:[\w./~-]+$/.test(s),
    "must be owner/name or an https://, http://, ssh:// or git@host:path repository URL",
  )
  .refine(
    (s) => !/^[a-z]+:\/\/[^/]*:[^/]*@/i.test(s) && !/^https?:\/\/[^/]*@/i.test(s),
    "must not contain credentials",
  )
  .openapi({ example: "acme/shop" });

export const createTaskBody = z
  .object({
    repo,
    prompt: z.string().trim().min(1).max(taskLimits.promptChars).openapi({
      description: "What Claude should do. Stored and shown; it reaches the VM only through its bootstrap",
    }),
    base_branch: z
      .string()
      .min(1)
      .max(255)
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a valid git branch name")
      .optional()
      .openapi({
        description:
          "The branch to start from and open the pull request against (default: the repository's default branch)",
      }),
    server_type: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/, "must be a Hetzner server type such as cx23")
      .optional(),
    max_minutes: z.number().int().min(1).max(taskLimits.maxMinutes).optional().openapi({
      description: "Each turn's time limit (default 30); 422 past the VM lifetime (MAX_LIFETIME_HOURS)",
    }),
    permission_mode: z.enum(taskPermissionModes).optional().openapi({
      description: "Claude Code's --permission-mode (default acceptEdits)",
    }),
    when_done: z.enum(taskWhenDone).optional().openapi({
      description:
        "After the last turn: sleep the workspace (default; open it later and carry on) or delete it",
    }),
  })
  .strict()
  .openapi("CreateTask");

export const taskMessageViewSchema = z
  .object({
    seq: z.number().int(),
    text: z.string(),
    at: z.string(),
    state: z.enum(["pending", "running", "done"]),
  })
  .openapi("TaskMessage");

export const taskSchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    repo: z.string().describe("owner/name through the GitHub App, else the repository URL"),
    prompt: z.string(),
    base_branch: z.string().nullable(),
    branch: z.string(),
    status: z.enum(taskStatuses),
    reason: z.string().nullable().describe("Why it failed (or why no pull request was opened)"),
    turns: z.number().int().describe("Finished turns"),
    messages: z.array(taskMessageViewSchema),
    pr: z.object({ number: z.number().int(), url: z.string() }).nullable(),
    commits: z.number().int(),
    head_sha: z.string().nullable(),
    pushed: z.boolean(),
    summary: z.string().describe("The last turn's summary (Claude's final answer)"),
    tokens: z.object({ input: z.number().int(), output: z.number().int() }),
    claude_cost_usd: z.number(),
    vm_cost_eur: z.number().describe("VM minutes so far × the server type's price"),
    max_minutes: z.number().int(),
    permission_mode: z.enum(taskPermissionModes),
    when_done: z.enum(taskWhenDone),
    workspace_state: z.enum(workspaceStates),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("Task");

export const taskIdParam = z.object({ id: z.string().regex(/^[a-z0-9]{1,32}$/, "not a task id") });

export const taskListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^\d{1,15}_[a-z0-9]{1,32}$/, "must be a next_cursor from a previous page")
    .optional(),
});

export const taskEventsQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "must be a seq: a whole number")
    .optional()
    .openapi({
      description: "The last seq seen (default 0: from the start)",
    }),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const taskEventsPageSchema = z
  .object({
    events: z.array(taskEventSchema),
    next_cursor: z.number().int().describe("The last seq returned, or the cursor"),
    done: z.boolean().describe("The task finished and no newer events exist"),
  })
  .openapi("TaskEventsPage");

export const followUpBody = z
  .object({ text: z.string().trim().min(1).max(taskLimits.promptChars) })
  .strict()
  .openapi("TaskFollowUp");

export const followUpSchema = z
  .object({ seq: z.number().int(), text: z.string(), at: z.string() })
  .openapi("TaskFollowUpAccepted");
