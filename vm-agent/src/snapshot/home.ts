/**
 * What a snapshot keeps outside the workspace folder: Claude Code's config and conversations and
 * the shell history, in a home directory that is the devcontainer user's (reached through
 * `docker exec`) or a directory on this machine (the host runtime, and tests).
 *
 * Each source is packed as one tar (home/<name>.tar inside the snapshot) by the system tar where
 * the files live, so owners and modes are those of the user who wrote them.
 */
import { stat } from "node:fs/promises";
import { spawnOk } from "./spawn.ts";

export interface HomeSource {
  /** Its member in the archive: berth/home/<name>.tar. */
  readonly name: string;
  /** What it holds, for messages ("~/.claude, ~/.claude.json"). */
  readonly label: string;
  /** Writes a tar of the items that exist into `file` (an empty file when none does). */
  capture(file: string): Promise<void>;
  /** Unpacks a tar made by capture; an empty file is a no-op. */
  restore(file: string): Promise<void>;
  /** A cheap change marker: names, sizes and mtimes of every file in the items. */
  fingerprint(): Promise<string>;
}

/** Runs `sh -c script sh args...` where the items live; `input` is a file for stdin. */
type Shell = (script: string, args: string[], io: { stdout?: string; stdin?: string }) => string[];

/** The items that exist, then tar them; GNU tar keeps modes, symlinks and numeric owners. */
const captureScript = `cd "$HOME_DIR" || exit 0
for f in "$@"; do shift; [ -e "$f" ] || [ -L "$f" ] && set -- "$@" "$f"; done
[ $# -eq 0 ] && exit 0
# 1: a file changed while read (Claude writing its conversation): the archive is still whole.
exec tar -c -f - --numeric-owner --ignore-failed-read -- "$@"`;
const restoreScript = `mkdir -p "$HOME_DIR" && cd "$HOME_DIR" && exec tar -x -p -f -`;
const fingerprintScript = `cd "$HOME_DIR" 2>/dev/null || exit 0
for f in "$@"; do shift; [ -e "$f" ] && set -- "$@" "$f"; done
[ $# -eq 0 ] && exit 0
find "$@" -printf '%p %s %T@\\n' 2>/dev/null || ls -laRn --full-time "$@"`;

function shellSource(
  name: string,
  label: string,
  items: string[],
  shell: Shell,
  env?: Record<string, string>,
): HomeSource {
  return {
    name,
    label,
    async capture(file) {
      await spawnOk(
        shell(captureScript, items, { stdout: file }),
        { stdout: file, env, okCodes: [1] },
        `capture ${label}`,
      );
    },
    async restore(file) {
      if ((await stat(file)).size === 0) return;
      await spawnOk(shell(restoreScript, [], { stdin: file }), { stdin: file, env }, `restore ${label}`);
    },
    async fingerprint() {
      const proc = Bun.spawn(shell(fingerprintScript, items, {}), { env, stdout: "pipe", stderr: "ignore" });
      const text = await new Response(proc.stdout).text();
      await proc.exited;
      return text.split("\n").sort().join("\n");
    },
  };
}

/** Items in a directory on this machine. */
export function dirSource(name: string, dir: string, items: string[], label?: string): HomeSource {
  return shellSource(name, label ?? items.map((i) => `${dir}/${i}`).join(", "), items, (script, args) => [
    "sh",
    "-c",
    `HOME_DIR="$0"; ${script}`,
    dir,
    ...args,
  ]);
}

/** Items in the home directory of `user` inside a running container. */
export function containerSource(
  name: string,
  opts: {
    containerId: string;
    user: string;
    items: string[];
    label?: string;
    /** For `docker` (DOCKER_HOST, PATH); defaults to the agent's. */
    env?: Record<string, string>;
  },
): HomeSource {
  const label = opts.label ?? opts.items.map((i) => `~/${i}`).join(", ");
  const shell: Shell = (script, args, io) => [
    "docker",
    "exec",
    ...(io.stdin ? ["-i"] : []),
    "-u",
    opts.user,
    opts.containerId,
    "sh",
    "-c",
    `HOME_DIR="$HOME"; ${script}`,
    "sh",
    ...args,
  ];
  return shellSource(name, label, opts.items, shell, opts.env);
}

/** What the container's home keeps: Claude Code's state and the shell histories. */
export const containerHomeItems = [".claude", ".claude.json", ".bash_history", ".zsh_history"];
