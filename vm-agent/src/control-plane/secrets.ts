import type { BootstrapResponse, WorkspaceSecrets } from "@berth/protocol/agent";
import { bootstrapResponseCheck } from "../checks/protocol.ts";
import { chmod, mkdir, readFile, rename, writeFile } from "../sys/files.ts";
import { dirname } from "../sys/paths.ts";
import type { ControlPlaneClient } from "./client.ts";
import type { RetryPolicy } from "./retry.ts";

/** What bootstrap handed over (user secrets absent in files an older agent stored), and the
 * generation of the user secrets when a restart of the environment replaced them since. */
export type AgentSecrets = Omit<BootstrapResponse, "user_secrets"> & {
  user_secrets?: WorkspaceSecrets;
  secrets_generation?: number;
};

/** The stored secrets, or null when there are none (or the file is unreadable/invalid). */
export async function readSecrets(path: string): Promise<AgentSecrets | null> {
  try {
    const raw = JSON.parse(await readFile(path)) as { secrets_generation?: unknown };
    const parsed = bootstrapResponseCheck.safeParse(raw);
    if (!parsed.success) return null;
    const generation = raw.secrets_generation;
    return Number.isSafeInteger(generation) && (generation as number) >= 0
      ? { ...parsed.data, secrets_generation: generation as number }
      : parsed.data;
  } catch {
    return null;
  }
}

/** Root-only: the directory 0700 when we create it, the file 0600 from its first byte. */
export async function writeSecrets(path: string, secrets: AgentSecrets): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
  // writeFile's mode is filtered by umask and ignored for an existing file; make sure.
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export type SecretsResult =
  | { ok: true; secrets: AgentSecrets; source: "stored" | "redeemed" }
  | { ok: false; error: string };

/**
 * The bootstrap token is single use: on a restart the stored secrets are reused, and the token is
 * redeemed only when nothing valid is stored.
 */
export async function loadOrRedeemSecrets(opts: {
  path: string;
  client: ControlPlaneClient;
  bootstrapToken: string;
  retry?: RetryPolicy;
}): Promise<SecretsResult> {
  const stored = await readSecrets(opts.path);
  if (stored) return { ok: true, secrets: stored, source: "stored" };
  const r = await opts.client.bootstrap(opts.bootstrapToken, opts.retry);
  if (!r.ok) return { ok: false, error: r.error };
  try {
    await writeSecrets(opts.path, r.data);
  } catch (err) {
    // Still usable for this run; the next restart cannot redeem again, so say so loudly.
    return {
      ok: false,
      error: `bootstrap: redeemed but could not store secrets at ${opts.path}: ${String(err)}`,
    };
  }
  return { ok: true, secrets: r.data, source: "redeemed" };
}
