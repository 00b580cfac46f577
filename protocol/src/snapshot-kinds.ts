/** Zod-free, so the VM agent can import it (see agent.ts). */
export const snapshotKinds = ["sleep", "checkpoint"] as const;
export type SnapshotKind = (typeof snapshotKinds)[number];
