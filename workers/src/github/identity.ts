/**
 * Who commits in a workspace: the person's name and, unless they chose one of their verified
 * emails, their GitHub noreply address (<id>+<login>@users.noreply.github.com), which GitHub
 * attributes to them without publishing a real address.
 */
import type { WorkspaceGit } from "@berth/protocol";
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { account, user, userGitSettings, type Workspace } from "../db/schema/index.ts";
import type { GitHubDeps } from "./access.ts";

export interface GitIdentity {
  name: string;
  email: string;
  /** The noreply address, whatever the choice (the dashboard offers it as the default). */
  noreplyEmail: string | null;
  /** The verified email the person chose, or null for the noreply address. */
  chosenEmail: string | null;
}

export const noreplyEmail = (githubId: string, login: string) =>
  `${githubId}+${login}@users.noreply.github.com`;

export async function gitIdentity(db: Database, userId: string): Promise<GitIdentity | null> {
  const [person] = await db
    .select({ name: user.name, email: user.email, login: user.githubLogin })
    .from(user)
    .where(eq(user.id, userId));
  if (!person) return null;
  const [github] = await db
    .select({ accountId: account.accountId })
    .from(account)
    .where(and(eq(account.userId, userId), eq(account.providerId, "github")));
  const [choice] = await db
    .select({ email: userGitSettings.commitEmail })
    .from(userGitSettings)
    .where(eq(userGitSettings.userId, userId));
  const noreply = github && person.login ? noreplyEmail(github.accountId, person.login) : null;
  const chosen = choice?.email ?? null;
  return {
    name: person.name || person.login || "Berth user",
    email: chosen ?? noreply ?? person.email,
    noreplyEmail: noreply,
    chosenEmail: chosen,
  };
}

/** The bootstrap's `git`: null for a workspace on a plain public clone. */
export async function workspaceGit(
  deps: { db: Database; github: GitHubDeps },
  ws: Pick<Workspace, "ownerId" | "githubRepository">,
): Promise<WorkspaceGit | null> {
  if (!ws.githubRepository) return null;
  const identity = await gitIdentity(deps.db, ws.ownerId);
  if (!identity) return null;
  return {
    repository: ws.githubRepository,
    origin: deps.github.settings.webUrl,
    user_name: identity.name.slice(0, 255),
    user_email: identity.email,
  };
}
