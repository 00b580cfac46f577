import type { AgentConfig } from "@berth/protocol";
import type { AgentPaths } from "../config.ts";
import type { AgentSecrets } from "../control-plane/secrets.ts";
import { writeContainerClaudeSettings, writeHostClaudeSettings } from "./claude-settings.ts";
import {
  containerAgentPath,
  containerRunDir,
  type DevcontainerArgs,
  devcontainerExec,
  devcontainerUpArgs,
  findDevcontainerConfig,
  writeDefaultDevcontainer,
} from "./devcontainer.ts";
import { type CommandRunner, runCommand, tail } from "./exec.ts";
import { BootError, cloneRepo } from "./repo.ts";

export type Runtime = "devcontainer" | "host";

export interface ShellSpec {
  command: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface BootResult {
  runtime: Runtime;
  workspaceDir: string;
  shell: ShellSpec;
}

export interface BootOptions {
  config: AgentConfig;
  secrets: AgentSecrets;
  paths: AgentPaths;
  /** Runs the agent on the host (hooks in the host runtime). */
  agentCommand: string[];
  /** The compiled binary, mounted into the devcontainer for the hooks; null when not compiled. */
  agentBinary: string | null;
  report(step: string, message: string): void;
  run?: CommandRunner;
  /** Environment for external commands and the base of the shell's; defaults to process.env. */
  env?: Record<string, string>;
}

/** True when a Docker engine answers (`docker info` exits 0). */
export async function dockerWorks(run: CommandRunner, env: Record<string, string>): Promise<boolean> {
  const r = await run(["docker", "info"], { env, timeoutMs: 30_000 });
  return r.code === 0;
}

/**
 * Clones the repo and prepares where the terminal runs: the devcontainer when a Docker engine
 * exists, else the host (local simulation). Each step is reported as a progress line.
 * Throws BootError on a step that cannot go on.
 */
export async function bootWorkspace(opts: BootOptions): Promise<BootResult> {
  const run = opts.run ?? runCommand;
  const env = opts.env ?? (process.env as Record<string, string>);
  const dir = opts.paths.workspaceDir;
  await cloneRepo({
    run,
    env,
    repoUrl: opts.config.repo_url,
    branch: opts.config.branch,
    dir,
    report: opts.report,
  });

  const apiKey = opts.secrets.claude_api_key;
  if (!apiKey) opts.report("claude", "No Claude API key is set: log in to Claude Code in the terminal");

  if (!(await dockerWorks(run, env))) {
    opts.report("runtime", "no Docker engine: running the shell on the host");
    await writeHostClaudeSettings(opts.paths.claudeConfigDir, opts.agentCommand);
    opts.report("claude", "Claude Code hooks installed (host)");
    const shellEnv: Record<string, string> = {
      ...env,
      BERTH_AGENT_SOCKET: opts.paths.socketPath,
      CLAUDE_CONFIG_DIR: opts.paths.claudeConfigDir,
    };
    if (apiKey) shellEnv.ANTHROPIC_API_KEY = apiKey;
    return {
      runtime: "host",
      workspaceDir: dir,
      shell: { command: ["bash", "-l"], cwd: dir, env: shellEnv },
    };
  }

  opts.report("runtime", "Docker engine found: starting the devcontainer");
  let found = await findDevcontainerConfig(dir);
  if (!found) {
    const path = await writeDefaultDevcontainer(dir);
    opts.report("devcontainer", "The repo has no devcontainer: using the default (Debian bookworm + Node)");
    found = { path, explicit: false };
  }
  const dc: DevcontainerArgs = {
    workspaceDir: dir,
    configPath: found.explicit ? found.path : null,
    runDir: opts.paths.runDir,
    agentBinary: opts.agentBinary,
  };
  opts.report("devcontainer", "devcontainer up (building the image can take a few minutes)");
  const started = Date.now();
  const up = await run(devcontainerUpArgs(dc), { env, cwd: dir, timeoutMs: 45 * 60_000 });
  if (up.code !== 0) {
    throw new BootError(
      "devcontainer",
      `devcontainer up failed (exit ${up.code}): ${tail(up.stderr || up.stdout)}`,
    );
  }
  opts.report("devcontainer", `Devcontainer up in ${Math.round((Date.now() - started) / 1000)} s`);

  const remoteEnv: Record<string, string> = { BERTH_AGENT_SOCKET: `${containerRunDir}/agent.sock` };
  if (apiKey) remoteEnv.ANTHROPIC_API_KEY = apiKey;
  if (!opts.agentBinary) {
    opts.report("claude", "berth-agent is not a compiled binary: Claude's hooks cannot run in the container");
  }
  const written = await writeContainerClaudeSettings({
    run,
    env,
    exec: (command) => devcontainerExec(dc, {}, command),
    agentCommand: [containerAgentPath],
  });
  opts.report(
    "claude",
    written.ok
      ? "Claude Code hooks installed (devcontainer)"
      : `Could not install Claude Code hooks: ${written.error}`,
  );
  return {
    runtime: "devcontainer",
    workspaceDir: dir,
    shell: { command: devcontainerExec(dc, remoteEnv, ["bash", "-l"]), cwd: dir, env },
  };
}

export { BootError };
