import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { userCredentials } from "../db/schema/index.ts";
import type { SecretBox } from "../security/secret-box.ts";

export interface ClaudeKeyStatus {
  set: boolean;
  last4: string | null;
  updated_at: string | null;
}

// The owner's id is bound into the ciphertext: a sealed key copied to another user's row won't open.
const context = (userId: string) => `claude-api-key:${userId}`;

export async function claudeKeyStatus(db: Database, userId: string): Promise<ClaudeKeyStatus> {
  const [row] = await db.select().from(userCredentials).where(eq(userCredentials.userId, userId));
  const set = Boolean(row?.claudeApiKeyCiphertext);
  return {
    set,
    last4: set ? (row?.claudeApiKeyLast4 ?? null) : null,
    updated_at: row ? row.updatedAt.toISOString() : null,
  };
}

export async function setClaudeKey(db: Database, box: SecretBox, userId: string, apiKey: string) {
  const values = {
    claudeApiKeyCiphertext: await box.seal(apiKey, context(userId)),
    claudeApiKeyLast4: apiKey.slice(-4),
    updatedAt: new Date(),
  };
  await db
    .insert(userCredentials)
    .values({ userId, ...values })
    .onConflictDoUpdate({ target: userCredentials.userId, set: values });
}

export async function clearClaudeKey(db: Database, userId: string) {
  await db
    .update(userCredentials)
    .set({ claudeApiKeyCiphertext: null, claudeApiKeyLast4: null, updatedAt: new Date() })
    .where(eq(userCredentials.userId, userId));
}

/** Only the bootstrap of the user's own VM ever reads the key back. */
export async function readClaudeKey(db: Database, box: SecretBox, userId: string): Promise<string | null> {
  const [row] = await db.select().from(userCredentials).where(eq(userCredentials.userId, userId));
  if (!row?.claudeApiKeyCiphertext) return null;
  return box.open(row.claudeApiKeyCiphertext, context(userId));
}
