import { z } from "zod";

/**
 * Git access for a workspace (GitHub App installation tokens). The agent never stores a token:
 * `berth-agent git-credential` asks the agent, the agent asks the control plane
 * (callbackPaths.gitCredentials, callback token), on every git operation that needs one.
 */

/** What the VM learns at bootstrap about its repository; null for repos outside the GitHub App. */
export const workspaceGitSchema = z.object({
  /** "owner/name" on GitHub (or the GitHub stand-in). */
  repository: z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/),
  /** Scheme and host git talks to, e.g. "https://github.com" or "http://127.0.0.1:8703". */
  origin: z.url(),
  /** Commit identity: the person's name and their noreply (or chosen verified) email. */
  user_name: z.string().min(1).max(255),
  user_email: z.email(),
});
export type WorkspaceGit = z.infer<typeof workspaceGitSchema>;

/** Answer of POST callbackPaths.gitCredentials: a token scoped to this workspace's repository. */
export const gitCredentialsResponseSchema = z.object({
  username: z.literal("x-access-token"),
  password: z.string().min(1),
  /** When GitHub expires the token (at most an hour); the helper asks again after this. */
  expires_at: z.iso.datetime(),
  repository: z.string(),
  origin: z.url(),
});
export type GitCredentialsResponse = z.infer<typeof gitCredentialsResponseSchema>;
