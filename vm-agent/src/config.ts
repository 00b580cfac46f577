import type { AgentConfig } from "@berth/protocol/agent";
import { agentConfigCheck } from "./checks/protocol.ts";
import { readFile } from "./sys/files.ts";
import { dirname, join } from "./sys/paths.ts";

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; error: string };

/** Reads and validates the agent config (written by cloud-init); never throws. */
export async function loadConfig(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (err) {
    return {
      ok: false,
      error: `cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `config ${path} is not JSON` };
  }
  const parsed = agentConfigCheck.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: `config ${path} is invalid: ${parsed.error.message}` };
  }
  return { ok: true, config: parsed.data };
}

/**
 * Secrets live next to the config: /etc/berth/agent.json -> /etc/berth/secrets.json (protocol's
 * agentSecretsPath); a local-mode agent with its config elsewhere keeps them beside it.
 */
export function defaultSecretsPath(configPath: string): string {
  return join(dirname(configPath), "secrets.json");
}

export interface AgentPaths {
  dataDir: string;
  /** The clone. */
  workspaceDir: string;
  /** Holds the hook socket; bind-mounted into the devcontainer. */
  runDir: string;
  socketPath: string;
  idleStatePath: string;
  /** Failed boots so far; after a few, the agent gives up and asks to be destroyed. */
  bootAttemptsPath: string;
  /** CLAUDE_CONFIG_DIR for the host runtime. */
  claudeConfigDir: string;
  /** The host runtime's shell history lives here (HISTFILE), so snapshots find it. */
  homeDir: string;
  /** Snapshot archives while they upload. */
  snapshotScratchDir: string;
  /** Downloads and unpacking of a wake's snapshot. */
  restoreWorkDir: string;
  /** A restored snapshot's home tars, until the runtime is up to take them. */
  pendingHomeDir: string;
  /** The task's progress across restarts (tasks/state.ts). */
  taskStatePath: string;
  /** The running (or last) prompt's progress, the same way (tasks/prompts.ts). */
  promptStatePath: string;
}

export function agentPaths(dataDir: string): AgentPaths {
  const runDir = join(dataDir, "run");
  return {
    dataDir,
    workspaceDir: join(dataDir, "workspace"),
    runDir,
    socketPath: join(runDir, "agent.sock"),
    idleStatePath: join(dataDir, "state", "idle.json"),
    bootAttemptsPath: join(dataDir, "state", "boot-attempts"),
    claudeConfigDir: join(dataDir, "claude"),
    homeDir: join(dataDir, "home"),
    snapshotScratchDir: join(dataDir, "snapshots"),
    restoreWorkDir: join(dataDir, "restore"),
    pendingHomeDir: join(dataDir, "state", "restore-home"),
    taskStatePath: join(dataDir, "state", "task.json"),
    promptStatePath: join(dataDir, "state", "prompt.json"),
  };
}

/** True inside a `bun build --compile` binary, whose modules live under /$bunfs/. */
export function isCompiled(): boolean {
  return import.meta.path.startsWith("/$bunfs/") || import.meta.path.startsWith("B:/~BUN/");
}

/** The argv that runs this very agent (for Claude's hooks on the host). */
export function selfCommand(): string[] {
  if (isCompiled()) return [process.execPath];
  return [process.execPath, join(import.meta.dir, "cli.ts")];
}
