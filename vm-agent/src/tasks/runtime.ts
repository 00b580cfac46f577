/**
 * Where a task's commands run: the devcontainer (through `devcontainer exec` and the workspace's env
 * file, as the terminal) or the host in local mode. Built by boot (boot.ts) next to the shell.
 */
export interface TaskRuntime {
  /** argv that runs `command` in the runtime, in the repo's folder, with the workspace's environment. */
  wrap(command: string[]): string[];
  /** For spawning the wrapped argv on the host. */
  cwd: string;
  env: Record<string, string>;
  /** The repo's folder as the runtime sees it (Claude's cwd). */
  folder: string;
  /** Where the launcher writes the process group id of a running claude (a runtime path). */
  pidFile: string;
  /** argv, run on the host, that SIGKILLs the process group named in pidFile. */
  killCommand: string[];
}

/** `sh -c KILL_SCRIPT sh PIDFILE`: the whole group, Claude and every tool it started. */
const killScript = 'pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -KILL "-$pid"';

/**
 * Runs after `setsid` (so the shell leads a new process group): goes to the folder, writes its pid
 * (= the group id) where killCommand finds it, then becomes the command.
 */
export const launcherScript = 'cd "$1" || exit 125; echo $$ > "$2" || exit 125; shift 2; exec "$@"';

export function hostTaskRuntime(opts: {
  dir: string;
  env: Record<string, string>;
  runDir: string;
}): TaskRuntime {
  const pidFile = `${opts.runDir}/task.pid`;
  return {
    wrap: (command) => command,
    cwd: opts.dir,
    env: opts.env,
    folder: opts.dir,
    pidFile,
    killCommand: ["sh", "-c", killScript, "sh", pidFile],
  };
}

export function containerTaskRuntime(opts: {
  dir: string;
  env: Record<string, string>;
  containerId: string;
  folder: string;
  /** devcontainer exec + the env file, as the terminal's shell gets them. */
  wrap(command: string[]): string[];
}): TaskRuntime {
  // In the container's /tmp: the container user can write it; root kills through docker exec.
  const pidFile = "/tmp/berth-task.pid";
  return {
    wrap: opts.wrap,
    cwd: opts.dir,
    env: opts.env,
    folder: opts.folder,
    pidFile,
    killCommand: ["docker", "exec", "-u", "root", opts.containerId, "sh", "-c", killScript, "sh", pidFile],
  };
}
