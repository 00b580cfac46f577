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

const launchInner = 'cd "$1" || exit 125; echo $$ > "$2" || exit 125; shift 2; exec "$@"';

/**
 * `sh -c LAUNCHER berth-task FOLDER PIDFILE COMMAND...`: runs COMMAND in FOLDER as the leader of its
 * own process group, whose id goes to PIDFILE (for killCommand). `docker exec` already starts
 * processes as session leaders (runc calls setsid), so there it needs nothing; on the host it goes
 * through `setsid -w` (util-linux; -w passes the exit status on should setsid have to fork).
 */
export const launcherScript = `inner='${launchInner.replaceAll("'", `'\\''`)}'
if [ "$(cut -d' ' -f5 "/proc/$$/stat" 2>/dev/null)" = "$$" ]; then exec sh -c "$inner" berth-task "$@"; fi
exec setsid -w sh -c "$inner" berth-task "$@"`;

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
