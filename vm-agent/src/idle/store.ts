import { mkdir, readFile, rename, writeFile } from "../sys/files.ts";
import { dirname } from "../sys/paths.ts";
import type { PersistedIdle } from "./policy.ts";

/**
 * The idle clocks survive an agent restart (systemd): a restart is not activity, so the last
 * activity time and the first start (for max lifetime) are kept in the data dir.
 */
export async function loadIdleState(path: string): Promise<PersistedIdle | null> {
  let text: string;
  try {
    text = await readFile(path);
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const startedAt = v.startedAt;
    const lastActivityAt = v.lastActivityAt;
    const lastHumanInputAt = v.lastHumanInputAt;
    if (typeof startedAt !== "number" || typeof lastActivityAt !== "number") return null;
    return {
      startedAt,
      lastActivityAt,
      lastHumanInputAt: typeof lastHumanInputAt === "number" ? lastHumanInputAt : null,
    };
  } catch {
    // A torn or corrupt file must not stop the agent; the clocks restart from now.
    return null;
  }
}

/** Atomic (write + rename) so a crash mid-write never leaves a torn file. */
export async function saveIdleState(path: string, state: PersistedIdle): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
