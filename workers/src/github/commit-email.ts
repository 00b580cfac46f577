/**
 * The commit email a person chose for their workspaces: one of their verified GitHub emails, or
 * null for their noreply address (the default). Checked against GitHub when set, never trusted.
 */
import { errorCodes } from "@berth/protocol";
import type { Database } from "../db/client.ts";
import { userGitSettings } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { GitHubError } from "../providers/github-app/index.ts";
import { type GitHubDeps, upstreamError } from "./access.ts";
import { reauthorizeError } from "./user-token.ts";

export async function setCommitEmail(
  deps: { db: Database; github: GitHubDeps; now(): number },
  userId: string,
  email: string | null,
  userToken: () => Promise<string>,
): Promise<void> {
  if (email !== null) {
    let verified: string[];
    try {
      const emails = await deps.github.app.userEmails(await userToken());
      verified = emails.filter((e) => e.verified).map((e) => e.email.toLowerCase());
    } catch (err) {
      if (err instanceof GitHubError && err.status === 401) throw reauthorizeError();
      if (err instanceof ApiError) throw err;
      throw upstreamError(err, "read your verified emails on GitHub");
    }
    if (!verified.includes(email.toLowerCase())) {
      const detail = "must be one of your verified emails on GitHub (or null for your noreply address)";
      throw new ApiError(422, errorCodes.validation, `email ${detail}`, {
        details: [{ path: "email", message: detail }],
      });
    }
  }
  const now = new Date(deps.now());
  await deps.db
    .insert(userGitSettings)
    .values({ userId, commitEmail: email, updatedAt: now })
    .onConflictDoUpdate({ target: userGitSettings.userId, set: { commitEmail: email, updatedAt: now } });
}
