import type { ControlPlaneClient } from "./client.ts";
import type { AgentSecrets } from "./secrets.ts";
import { writeSecrets } from "./secrets.ts";

export interface SecretsRefresher {
  /** The generation whose secrets new terminals get (0: those of bootstrap). */
  applied(): number;
  /** The heartbeat's answer named `generation`: fetch and apply when it is not the applied one. */
  offer(generation: number | undefined): Promise<void>;
}

/**
 * After the owner restarts the workspace's environment, the heartbeat's answer carries a new
 * secrets generation. The agent fetches the current secrets, stores them where it keeps the
 * bootstrap ones (0600) and hands them to `apply`, which makes every new terminal and Claude
 * session get them. A failure keeps the old secrets and is retried at the next heartbeat; no value
 * is ever logged or reported.
 */
export function createSecretsRefresher(opts: {
  client: Pick<ControlPlaneClient, "secrets">;
  path: string;
  secrets: AgentSecrets;
  apply(secrets: AgentSecrets): Promise<void>;
  /** Told once the new secrets are in place (e.g. to report at once). */
  onApplied?(generation: number): void;
  log?(msg: string): void;
  report?(step: string, message: string): void;
}): SecretsRefresher {
  let current = opts.secrets;
  let inFlight: Promise<void> | null = null;
  const log = opts.log ?? (() => {});

  async function refresh(): Promise<void> {
    const r = await opts.client.secrets({ attempts: 3, baseMs: 1000, maxMs: 10_000 });
    if (!r.ok) {
      log(`secrets: ${r.error}; keeping the current ones, retrying at the next heartbeat`);
      return;
    }
    const next: AgentSecrets = {
      ...current,
      user_secrets: r.data.user_secrets,
      secrets_generation: r.data.secrets_generation,
    };
    try {
      await writeSecrets(opts.path, next);
      await opts.apply(next);
    } catch (err) {
      log(`secrets: could not apply the new secrets (${errorName(err)}); retrying at the next heartbeat`);
      return;
    }
    current = next;
    const names = Object.keys(next.user_secrets ?? {}).length;
    opts.report?.(
      "secrets",
      `Environment restarted: new terminals get your current secrets (${names}); terminals already open keep theirs`,
    );
    opts.onApplied?.(r.data.secrets_generation);
  }

  return {
    applied: () => current.secrets_generation ?? 0,
    offer(generation) {
      if (generation === undefined || generation === (current.secrets_generation ?? 0)) {
        return inFlight ?? Promise.resolve();
      }
      inFlight ??= refresh().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}

/** The kind of error only: a message could quote a file's content. */
function errorName(err: unknown): string {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.name) : "error";
}
