import type { AgentConfig } from "@berth/protocol/agent";
import type { AgentPaths } from "../config.ts";
import type { AgentSecrets } from "../control-plane/secrets.ts";
import { configureContainerGit } from "../git/container.ts";
import { cloneConfigArgs, gitConfigEntries, gitConfigEnv, helperValue } from "../git/setup.ts";
import { containerHomeItems, containerSource, dirSource, type HomeSource } from "../snapshot/home.ts";
import { applyPendingHome } from "../snapshot/restore.ts";
import { mkdir } from "../sys/files.ts";
import { join, relative } from "../sys/paths.ts";
import { containerTaskRuntime, hostTaskRuntime, type TaskRuntime } from "../tasks/runtime.ts";
import { writeContainerClaudeSettings, writeHostClaudeSettings } from "./claude-settings.ts";
import {
  configuredImage,
  ensureImage,
  giveEnvFileTo,
  imageSettings,
  replaceEnvFile,
  withEnvFile,
  workspaceEnv,
  writeEnvFile,
} from "./container.ts";
import {
  containerAgentPath,
  containerRunDir,
  type DevcontainerArgs,
  devcontainerExec,
  devcontainerUpArgs,
  devcontainerUserCommandsArgs,
  findDevcontainerConfig,
  localDefaultDevcontainer,
  parseUpResult,
  writeDefaultDevcontainer,
} from "./devcontainer.ts";
import { type CommandRunner, runCommand, tail } from "./exec.ts";
import { giveWorkspaceTo } from "./owner.ts";
import { BootError, cloneRepo } from "./repo.ts";

export type Runtime = "devcontainer" | "host";

export interface ShellSpec {
  command: string[];
  cwd: string;
  /** Read for each new session: replaced when the secrets change (see BootResult.applySecrets). */
  env: Record<string, string>;
}

export interface BootResult {
  runtime: Runtime;
  workspaceDir: string;
  shell: ShellSpec;
  /** What snapshots keep outside the workspace folder: Claude Code's state, shell history. */
  home: HomeSource[];
  /** Where a task's claude and git run: as the shell, without a terminal. */
  task: TaskRuntime;
  /** Gives every terminal and Claude session started from now on these secrets (a running
   * process's environment cannot change: those keep theirs). */
  applySecrets(secrets: AgentSecrets): Promise<void>;
}

/** Bash appends each command to its history at once, so a snapshot finds it (not only at exit). */
const historyEnv = { PROMPT_COMMAND: "history -a" };

export interface BootOptions {
  config: AgentConfig;
  secrets: AgentSecrets;
  paths: AgentPaths;
  /** Runs the agent on the host (hooks in the host runtime). */
  agentCommand: string[];
  /** The compiled binary, mounted into the devcontainer for the hooks; null when not compiled. */
  agentBinary: string | null;
  report(step: string, message: string): void;
  /** Boot timeline marks (clone done, devcontainer up), reported with their time. */
  mark?(mark: "clone.done" | "devcontainer.done"): void;
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
  const git = opts.secrets.git ?? null;
  await cloneRepo({
    run,
    env,
    repoUrl: opts.config.repo_url,
    branch: opts.config.branch,
    dir,
    // An App repo (maybe private) clones with a token the helper asks the agent for.
    gitConfig: git ? cloneConfigArgs(git, hostHelper(opts)) : [],
    report: opts.report,
  });
  opts.mark?.("clone.done");

  if (!opts.secrets.claude_api_key) {
    opts.report("claude", "No Claude API key is set: log in to Claude Code in the terminal");
  }
  if (!(await dockerWorks(run, env))) return bootOnHost(opts, env, dir);
  return bootDevcontainer(opts, run, env, dir);
}

/** The helper as git on the host runs it: this agent, talking to its own socket. */
function hostHelper(opts: BootOptions): string {
  return helperValue(opts.agentCommand, opts.paths.socketPath);
}

async function bootOnHost(opts: BootOptions, env: Record<string, string>, dir: string): Promise<BootResult> {
  opts.report("runtime", "no Docker engine: running the shell on the host");
  const git = opts.secrets.git ?? null;
  if (git)
    opts.report(
      "git",
      `Credentials for ${git.origin} come from berth-agent (host); commits by ${git.user_name}`,
    );
  const home = [
    dirSource("claude", opts.paths.claudeConfigDir, ["."], "Claude Code's config and conversations"),
    dirSource("shell", opts.paths.homeDir, [".bash_history"], "shell history"),
  ];
  // A wake's Claude state first: the hooks are merged into its settings below.
  await applyPendingHome(opts.paths.pendingHomeDir, home, opts.report);
  await writeHostClaudeSettings(opts.paths.claudeConfigDir, opts.agentCommand);
  opts.report("claude", "Claude Code hooks installed (host)");
  // The key is in the shell's environment (not on its command line), as in the container.
  const shellEnv = (secrets: AgentSecrets): Record<string, string> => ({
    ...env,
    ...workspaceEnv(opts.config, secrets, opts.paths.socketPath),
    CLAUDE_CONFIG_DIR: opts.paths.claudeConfigDir,
    // The helper and identity as git config in the environment: the person's ~/.gitconfig stays.
    ...(git ? gitConfigEnv(gitConfigEntries(git, hostHelper(opts)), env) : {}),
    HISTFILE: join(opts.paths.homeDir, ".bash_history"),
    ...historyEnv,
  });
  await mkdir(opts.paths.homeDir, { recursive: true, mode: 0o700 });
  const shell: ShellSpec = { command: ["bash", "-l"], cwd: dir, env: shellEnv(opts.secrets) };
  return {
    runtime: "host",
    workspaceDir: dir,
    shell,
    home,
    applySecrets: async (secrets) => {
      shell.env = shellEnv(secrets);
    },
    task: hostTaskRuntime({ dir, env: shell.env, runDir: opts.paths.runDir }),
  };
}

async function bootDevcontainer(
  opts: BootOptions,
  run: CommandRunner,
  env: Record<string, string>,
  dir: string,
): Promise<BootResult> {
  opts.report("runtime", "Docker engine found: starting the devcontainer");
  const images = imageSettings(env);
  let found = await findDevcontainerConfig(dir);
  if (!found) {
    const path = images.defaultImage
      ? await writeDefaultDevcontainer(dir, localDefaultDevcontainer(images.defaultImage))
      : await writeDefaultDevcontainer(dir);
    opts.report(
      "devcontainer",
      `The repo has no devcontainer: using the default (${images.defaultImage ?? "Debian bookworm + Node + Claude Code"})`,
    );
    found = { path, explicit: false };
  } else {
    opts.report("devcontainer", `Using the repo's ${relative(dir, found.path)}`);
  }
  const dc: DevcontainerArgs = {
    workspaceDir: dir,
    configPath: found.explicit ? found.path : null,
    runDir: opts.paths.runDir,
    agentBinary: opts.agentBinary,
  };
  const image = await configuredImage(run, env, dc);
  if (image) await ensureImage({ run, env, image, settings: images, report: opts.report });
  else opts.report("image", "The devcontainer builds its own image (this can take a few minutes)");

  // The key reaches the container's processes through this file (0600), never an argument.
  await mkdir(opts.paths.runDir, { recursive: true });
  const envVars = (secrets: AgentSecrets) =>
    workspaceEnv(opts.config, secrets, `${containerRunDir}/agent.sock`);
  await writeEnvFile(join(opts.paths.runDir, envFileName), envVars(opts.secrets));
  const envFile = `${containerRunDir}/${envFileName}`;

  opts.report("container", "devcontainer up");
  const started = Date.now();
  const up = await run(devcontainerUpArgs(dc, { claudeFeature: !images.localImagesOnly }), {
    env,
    cwd: dir,
    timeoutMs: 45 * 60_000,
  });
  const result = up.code === 0 ? parseUpResult(up.stdout) : null;
  if (!result) {
    throw new BootError(
      "container",
      `devcontainer up failed (exit ${up.code}): ${tail(up.stderr || up.stdout)}`,
    );
  }
  opts.mark?.("devcontainer.done");
  opts.report(
    "container",
    `Container ${result.containerId.slice(0, 12)} up in ${Math.round((Date.now() - started) / 1000)} s (user ${result.remoteUser}, folder ${result.remoteWorkspaceFolder})`,
  );
  const c = { run, env, containerId: result.containerId, user: result.remoteUser };
  const owned = await giveEnvFileTo({ ...c, path: envFile });
  if (!owned.ok)
    opts.report("container", `The workspace environment is not readable in the container: ${owned.error}`);
  await giveWorkspaceTo({ ...c, dir, report: opts.report });
  const git = opts.secrets.git ?? null;
  if (git) {
    const lines = await configureContainerGit({
      run,
      env,
      containerId: result.containerId,
      git,
      agentPath: opts.agentBinary ? containerAgentPath : null,
      socketPath: `${containerRunDir}/agent.sock`,
      folder: result.remoteWorkspaceFolder,
    });
    for (const line of lines) opts.report("git", line);
  }

  const home = [
    containerSource("home", {
      containerId: result.containerId,
      user: result.remoteUser,
      items: containerHomeItems,
      env,
    }),
  ];
  await runLifecycleCommands(run, env, dc, opts.report);
  // A wake's home after the lifecycle commands: what the person had wins over what they rebuild.
  await applyPendingHome(opts.paths.pendingHomeDir, home, opts.report);

  if (!opts.agentBinary) {
    opts.report("claude", "berth-agent is not a compiled binary: Claude's hooks cannot run in the container");
  }
  const written = await writeContainerClaudeSettings({
    run,
    env,
    exec: (command) => devcontainerExec(dc, command),
    agentCommand: [containerAgentPath],
    apiKey: opts.secrets.claude_api_key ?? null,
    folder: result.remoteWorkspaceFolder,
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
    shell: {
      command: devcontainerExec(
        dc,
        withEnvFile(envFile, ["env", `PROMPT_COMMAND=${historyEnv.PROMPT_COMMAND}`, "bash", "-l"]),
      ),
      cwd: dir,
      env,
    },
    home,
    applySecrets: (secrets) =>
      replaceEnvFile({
        run,
        env,
        containerId: result.containerId,
        user: result.remoteUser,
        hostDir: opts.paths.runDir,
        containerDir: containerRunDir,
        name: envFileName,
        vars: envVars(secrets),
      }),
    task: containerTaskRuntime({
      dir,
      env,
      containerId: result.containerId,
      folder: result.remoteWorkspaceFolder || dir,
      wrap: (command) => devcontainerExec(dc, withEnvFile(envFile, command)),
    }),
  };
}

/** onCreate … postAttach, as `devcontainer up` would have run them; a failure fails the boot as it did there. */
async function runLifecycleCommands(
  run: CommandRunner,
  env: Record<string, string>,
  dc: DevcontainerArgs,
  report: BootOptions["report"],
): Promise<void> {
  const started = Date.now();
  const r = await run(devcontainerUserCommandsArgs(dc), {
    env,
    cwd: dc.workspaceDir,
    timeoutMs: 45 * 60_000,
  });
  if (r.code !== 0) {
    throw new BootError(
      "container",
      `the devcontainer's lifecycle commands failed (exit ${r.code}): ${tail(r.stderr || r.stdout)}`,
    );
  }
  report("container", `Lifecycle commands done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** In the agent's run directory, which the container sees as /run/berth. */
const envFileName = "workspace.env";

export { BootError };
