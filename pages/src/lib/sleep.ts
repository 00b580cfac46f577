import type { Workspace } from "../api/types.ts";

export type SleepInfo = NonNullable<Workspace["sleep"]>;

/** Bytes in the units people read: 512 bytes, 3.4 MB, 1.2 GB (decimal, as storage is billed). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A month of storage: tiny amounts are still shown, never rounded to nothing. */
export function formatMonthlyStorage(eur: number): string {
  if (eur <= 0) return "€0 a month";
  if (eur < 0.0001) return "under €0.0001 a month";
  const digits = eur >= 1 ? 2 : 4;
  return `€${eur.toFixed(digits)} a month`;
}

/** What a delete throws away, in one sentence the confirmation dialog shows. */
export function whatDeleteLoses(ws: Workspace): string {
  if (ws.state === "asleep") {
    const snap = ws.sleep?.snapshot;
    return snap
      ? `Its snapshot (${formatBytes(snap.size_bytes)}) is deleted for good: uncommitted changes, untracked files, commits and stashes not pushed, Claude's conversation and the shell history in it are lost.`
      : "It has no snapshot: nothing more is lost, and it disappears from your list.";
  }
  if (ws.state === "ready" || ws.state === "sleeping")
    return "Its VM and every snapshot are deleted at once, without a sleep: uncommitted changes, untracked files, commits and stashes not pushed, and Claude's conversation are lost.";
  return "Its VM, hostname and any snapshot are deleted, and it disappears from your list.";
}
