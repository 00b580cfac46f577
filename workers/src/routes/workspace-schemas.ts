import { workspaceStates } from "@berth/protocol";
import { z } from "@hono/zod-openapi";

// Printable ASCII only: control characters and spaces have no place in a repository URL.
const noControlChars = (s: string) => /^[\x21-\x7e]+$/.test(s);

/** https://, http:// (local mirrors), ssh:// and scp-style git@host:path URLs. */
const repoUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine(noControlChars, "must not contain spaces or control characters")
  .refine(
    (s) => /^(https?|ssh|git):\/\/[^/]+\/.+/.test(s) || /^[\w.-]+@[\w.-]+:[\w./~-]+$/.test(s),
    "must be an https://, http://, ssh:// or git@host:path repository URL",
  )
  .refine(
    (s) => !/^[a-z]+:\/\/[^/]*:[^/]*@/i.test(s) && !/^https?:\/\/[^/]*@/i.test(s),
    "must not contain credentials: they would be stored in the VM's user_data",
  )
  .openapi({ example: "https://github.com/octocat/Hello-World.git" });

export const createWorkspaceBody = z
  .object({
    repo_url: repoUrl,
    branch: z
      .string()
      .min(1)
      .max(255)
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a valid git branch name")
      .optional(),
    name: z.string().trim().min(1).max(64).optional(),
    server_type: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/, "must be a Hetzner server type such as cx23")
      .optional(),
    location: z
      .string()
      .regex(/^[a-z0-9-]{2,16}$/, "must be a Hetzner location such as fsn1")
      .optional(),
    idle_timeout_minutes: z.number().int().min(5).max(1440).optional(),
    snapshot_retention_days: z.number().int().min(1).max(365).optional().openapi({
      description: "Days its snapshots are kept once it is asleep (default: SNAPSHOT_RETENTION_DAYS, 30)",
    }),
  })
  .strict()
  .openapi("CreateWorkspace");

const sleepSchema = z
  .object({
    asleep_at: z.string(),
    snapshot: z
      .object({ id: z.string(), kind: z.string(), size_bytes: z.number(), created_at: z.string() })
      .nullable()
      .openapi({
        description: "What a wake restores; null: no snapshot exists, the work since boot was lost",
      }),
    stored_bytes: z.number(),
    monthly_storage_eur: z.number(),
    expires_at: z.string(),
    expires_soon: z.boolean(),
    retention_days: z.number(),
  })
  .openapi("WorkspaceSleep");

export const workspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(["interactive", "task"]).openapi({
      description: "task: made for a task (GET /api/tasks), where Claude runs headless",
    }),
    state: z.enum(workspaceStates),
    state_reason: z.string().nullable(),
    repo_url: z.string(),
    branch: z.string().nullable(),
    server_type: z.string(),
    location: z.string(),
    hostname: z.string(),
    url: z.string(),
    idle_timeout_minutes: z.number(),
    created_at: z.string(),
    ready_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    last_activity_at: z.string().nullable(),
    github_repository: z
      .string()
      .nullable()
      .describe(
        "owner/name when the repository is reached through the GitHub App (push, pull requests); null for a public clone",
      ),
    cost: z.object({ hourly_eur: z.number().nullable(), total_eur: z.number(), billed_hours: z.number() }),
    sleep: sleepSchema.nullable().openapi({
      description: "While asleep: what is kept, what storing it costs, and when it expires",
    }),
  })
  .openapi("Workspace");

export const environmentSchema = z
  .object({
    secrets_generation: z.number().int().openapi({
      description: "How many times you restarted this workspace's environment",
    }),
    applied_generation: z.number().int().openapi({
      description: "The last restart the agent applied: new terminals get the secrets it fetched then",
    }),
    restart: z.enum(["none", "pending", "applied"]).openapi({
      description:
        "none: never restarted; pending: the agent has yet to fetch your secrets; applied: new terminals get your current secrets, terminals open before keep theirs",
    }),
  })
  .openapi("WorkspaceEnvironment");

export const workspaceDetailSchema = workspaceSchema
  .extend({
    server_id: z.number().nullable(),
    ipv4: z.string().nullable(),
    runtime: z.string().nullable(),
    last_error: z.string().nullable(),
    agent: z.object({
      last_heartbeat_at: z.string().nullable(),
      last_human_input_at: z.string().nullable(),
      claude_state: z.string().nullable(),
      claude_waiting_reason: z.string().nullable(),
      open_terminals: z.number().nullable(),
      idle_warning: z.boolean(),
      idle_shutdown_at: z.string().nullable(),
    }),
    progress: z.array(z.object({ at: z.string(), message: z.string() })),
    git: z
      .object({
        branch: z.string().nullable(),
        ahead: z.number().int().nullable().describe("Commits on the branch that the default branch lacks"),
        pushed: z.boolean().nullable().describe("GitHub has the branch at exactly the workspace's HEAD"),
        reported_at: z.string().nullable(),
        access_revoked: z
          .boolean()
          .describe(
            "The GitHub App lost access to the repository: git push and pull requests fail until it is reinstalled",
          ),
        pull_request: z
          .object({ url: z.string(), number: z.number().int(), branch: z.string().nullable() })
          .nullable()
          .describe("The newest pull request opened through Berth, and the branch it is from"),
      })
      .openapi("WorkspaceGit"),
    secrets_changed_since_start: z.boolean().openapi({
      description:
        "You set or deleted a secret after this workspace last received its secrets: its terminals have the older values until you restart its environment (POST …/environment/restart)",
    }),
    environment: environmentSchema,
  })
  .openapi("WorkspaceDetail");

export const eventSchema = z
  .object({ id: z.number(), at: z.string(), type: z.string(), message: z.string() })
  .openapi("WorkspaceEvent");

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^\d{1,15}_[a-z0-9]{1,32}$/, "must be a next_cursor from a previous page")
    .optional(),
  include_ended: z.enum(["true", "false"]).default("false"),
});

export const idParam = z.object({ id: z.string().regex(/^[a-z0-9]{1,32}$/, "not a workspace id") });

export const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
});

export const terminalTokenSchema = z
  .object({ token: z.string(), expires_at: z.string(), url: z.string() })
  .openapi("TerminalToken");
