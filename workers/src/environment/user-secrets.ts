import { errorCodes, maxSecretsPerUser, type WorkspaceSecrets } from "@berth/protocol";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type UserSecret, userSecretChanges, userSecrets } from "../db/schema/index.ts";
import { ApiError, notFound } from "../http/errors.ts";
import type { SecretBox } from "../security/secret-box.ts";

export interface SecretListing {
  name: string;
  /** Null: every repository. */
  repositories: string[] | null;
  created_at: string;
  updated_at: string;
}

// The owner's id and the name are bound into the ciphertext: moved to another row, it won't open.
const context = (userId: string, name: string) => `user-secret:${userId}:${name}`;

const parseRepositories = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);

function listing(row: UserSecret): SecretListing {
  return {
    name: row.name,
    repositories: parseRepositories(row.repositories),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** `https://GitHub.com/a/b.git/` and `git@github.com:a/b` both become `github.com/a/b`. */
export function normalizeRepository(repo: string): string {
  return repo
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .replace(/^[^@/]*@/, "")
    .replace(/^([^/:]+):(?!\d)/, "$1/")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
}

/** Whether a secret limited to `repositories` applies to a workspace on `repoUrl`. An entry names
 * the repository in full (`github.com/a/b`, any URL form) or by its trailing path (`a/b`). */
export function appliesTo(repositories: string[] | null, repoUrl: string): boolean {
  if (repositories === null) return true;
  const target = normalizeRepository(repoUrl);
  return repositories.some((r) => {
    const entry = normalizeRepository(r);
    return entry.length > 0 && (target === entry || target.endsWith(`/${entry}`));
  });
}

export async function listSecrets(db: Database, userId: string): Promise<SecretListing[]> {
  const rows = await db
    .select()
    .from(userSecrets)
    .where(eq(userSecrets.userId, userId))
    .orderBy(asc(userSecrets.name));
  return rows.map(listing);
}

async function noteChange(db: Database, userId: string, at: Date) {
  await db
    .insert(userSecretChanges)
    .values({ userId, changedAt: at })
    .onConflictDoUpdate({ target: userSecretChanges.userId, set: { changedAt: at } });
}

/**
 * Creates or replaces one secret. A new name past `maxSecretsPerUser` is refused in the same
 * statement that would insert it, so two racing requests cannot both slip under the limit.
 */
export async function putSecret(
  db: Database,
  box: SecretBox,
  userId: string,
  input: { name: string; value: string; repositories: string[] | null },
  now = new Date(),
): Promise<{ secret: SecretListing; created: boolean }> {
  const ciphertext = await box.seal(input.value, context(userId, input.name));
  const repositories = input.repositories === null ? null : JSON.stringify(input.repositories);
  const [updated] = await db
    .update(userSecrets)
    .set({ valueCiphertext: ciphertext, repositories, updatedAt: now })
    .where(and(eq(userSecrets.userId, userId), eq(userSecrets.name, input.name)))
    .returning();
  if (updated) {
    await noteChange(db, userId, now);
    return { secret: listing(updated), created: false };
  }
  const at = now.getTime();
  const inserted = await db.run(sql`
    insert into user_secrets (user_id, name, value_ciphertext, repositories, created_at, updated_at)
    select ${userId}, ${input.name}, ${ciphertext}, ${repositories}, ${at}, ${at}
    where (select count(*) from user_secrets where user_id = ${userId}) < ${maxSecretsPerUser}
    on conflict (user_id, name) do nothing`);
  if ((inserted.meta.changes ?? 0) === 0) {
    const [raced] = await db
      .select()
      .from(userSecrets)
      .where(and(eq(userSecrets.userId, userId), eq(userSecrets.name, input.name)));
    if (raced) return { secret: listing(raced), created: false };
    throw new ApiError(
      409,
      errorCodes.limitReached,
      `you have ${maxSecretsPerUser} secrets, the most allowed; delete one first`,
    );
  }
  await noteChange(db, userId, now);
  const created = { name: input.name, repositories: input.repositories };
  return {
    secret: { ...created, created_at: now.toISOString(), updated_at: now.toISOString() },
    created: true,
  };
}

export async function deleteSecret(db: Database, userId: string, name: string, now = new Date()) {
  const gone = await db
    .delete(userSecrets)
    .where(and(eq(userSecrets.userId, userId), eq(userSecrets.name, name)))
    .returning({ name: userSecrets.name });
  if (gone.length === 0) throw notFound("secret");
  await noteChange(db, userId, now);
}

/** Only the bootstrap of the owner's own VM reads values back: those for its repository. */
export async function secretsForWorkspace(
  db: Database,
  box: SecretBox,
  userId: string,
  repoUrl: string,
): Promise<WorkspaceSecrets> {
  const rows = await db.select().from(userSecrets).where(eq(userSecrets.userId, userId));
  const out: WorkspaceSecrets = {};
  for (const row of rows) {
    if (!appliesTo(parseRepositories(row.repositories), repoUrl)) continue;
    try {
      out[row.name] = await box.open(row.valueCiphertext, context(userId, row.name));
    } catch {
      // A row that no longer opens (a rotated ENCRYPTION_KEY) must not keep the VM from booting.
    }
  }
  return out;
}

/** When the person last changed any secret, or null if never. */
export async function secretsChangedAt(db: Database, userId: string): Promise<Date | null> {
  const [row] = await db.select().from(userSecretChanges).where(eq(userSecretChanges.userId, userId));
  return row?.changedAt ?? null;
}
