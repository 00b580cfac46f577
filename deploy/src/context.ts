import type { Wrangler } from "./wrangler.ts";

/** The names of things the setup command creates. */
export const names = {
  database: "berth",
  bucket: "berth-agents",
  bucketBinding: "AGENTS",
  /** Workspace snapshots (sleep and wake); wrangler.toml binds it as SNAPSHOTS. */
  snapshotBucket: "berth-snapshots",
  /** What VMs download: the binaries compressed with xz (vm-agent: scripts/build.ts --compress). */
  agentFiles: { x64: "berth-agent-linux-x64.xz", arm64: "berth-agent-linux-arm64.xz" },
} as const;

export type Arch = keyof typeof names.agentFiles;

export interface BuiltAgent {
  arch: Arch;
  path: string;
  sha256: string;
}

export interface Builders {
  /** Builds (or finds) both agent binaries. */
  agents: (ctx: Context) => Promise<BuiltAgent[]>;
  /** Builds the dashboard into its dist directory. */
  dashboard: (ctx: Context) => Promise<void>;
}

export interface Context {
  root: string;
  configPath: string;
  dryRun: boolean;
  skipBuild: boolean;
  agentDir: string;
  wrangler: Wrangler;
  builders: Builders;
  log: (line: string) => void;
  /** Settings resolved before any step changes anything. */
  vars: Record<string, string>;
  /** Secret values to set (only those not set yet), with how to show each. */
  secrets: Map<string, { value: string; label: string }>;
  /** Secrets the Worker already has (from `wrangler secret list`). */
  existingSecrets: Set<string>;
  /** Filled by the D1 step: the database's id, null while a dry run has not created it. */
  databaseId: string | null;
  bucketExists: boolean;
  /** Filled by the agent build step. */
  agents: BuiltAgent[];
}
