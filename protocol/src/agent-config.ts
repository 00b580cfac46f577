import { z } from "zod";

/**
 * The agent's configuration, written by cloud-init. It holds no long-lived secret: the bootstrap
 * token is single-use and expires in ~15 minutes (Hetzner stores user_data).
 */
export const agentConfigSchema = z.object({
  workspace_id: z.string().min(1),
  /** Public hostname of the workspace, e.g. `ws123.berth.example.com` or `ws123.localhost`. */
  hostname: z.string().min(1),
  control_plane_url: z.url(),
  bootstrap_token: z.string().min(20),
  /** Control plane public key for ES256 terminal tokens, as a JWK. */
  terminal_token_public_key: z.record(z.string(), z.unknown()),
  repo_url: z.string().min(1),
  branch: z.string().nullable(),
  idle_timeout_seconds: z.number().int().positive(),
  idle_grace_seconds: z.number().int().nonnegative(),
  max_lifetime_seconds: z.number().int().positive(),
  heartbeat_interval_seconds: z.number().int().positive().default(60),
  /** While ready and files changed: a checkpoint snapshot this often (the agent's default: 600). */
  checkpoint_interval_seconds: z.number().int().positive().optional(),
  /** Per-workspace setting: snapshots also keep git-ignored files (node_modules...); default off. */
  snapshot_keep_ignored: z.boolean().optional(),
  /** Address the agent's HTTP server listens on (Caddy proxies to it). */
  listen: z.object({ host: z.string(), port: z.number().int().positive() }),
  /** Directory for the clone and agent state. */
  data_dir: z.string().min(1),
  /**
   * Where Claude Code on the VM sends its Messages API calls (`ANTHROPIC_BASE_URL`). Absent in
   * production (Claude Code's default, api.anthropic.com); local mode points it at the stand-in.
   * Not a secret: it never carries credentials.
   */
  anthropic_base_url: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), "must not carry credentials")
    .optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;
