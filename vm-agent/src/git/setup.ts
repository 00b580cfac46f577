import type { WorkspaceGit } from "@berth/protocol/agent";

/**
 * Where git learns to ask berth-agent for credentials: at boot (the clone), on the host (the
 * terminal's environment) and in the devcontainer (its system git config). Every piece here is a
 * path or a name: the token itself only ever travels over the agent's socket.
 */

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The workspace's origin as git's URL-scoped config keys spell it ("https://github.com"). */
export function originKey(git: WorkspaceGit): string | null {
  if (!URL.canParse(git.origin)) return null;
  const u = new URL(git.origin);
  return u.protocol === "https:" || u.protocol === "http:" ? u.origin : null;
}

/**
 * The `credential.helper` value: `!` makes git run it through the shell with the operation
 * appended (`... git-credential get`), which a quoted path (bun + cli.ts in development) needs.
 */
export function helperValue(agentCommand: string[], socketPath: string): string {
  return `!${helperCommand(agentCommand, socketPath)}`;
}

/** The shell command that runs the helper (git appends the operation). */
export function helperCommand(agentCommand: string[], socketPath: string): string {
  return [...agentCommand, "git-credential", "--socket", socketPath].map(shellQuote).join(" ");
}

/**
 * Config entries, in order: an empty helper first clears any helper configured before (the
 * machine's or the person's), so only Berth answers for the workspace's origin.
 */
export function gitConfigEntries(git: WorkspaceGit, helper: string): Array<[string, string]> {
  const origin = originKey(git);
  const entries: Array<[string, string]> = [];
  if (origin) {
    entries.push([`credential.${origin}.helper`, ""], [`credential.${origin}.helper`, helper]);
  }
  entries.push(["user.name", git.user_name], ["user.email", git.user_email]);
  return entries;
}

/** `git -c ...` arguments for the clone: paths and names only, the token never. */
export function cloneConfigArgs(git: WorkspaceGit, helper: string): string[] {
  const origin = originKey(git);
  if (!origin) return [];
  return ["-c", `credential.${origin}.helper=`, "-c", `credential.${origin}.helper=${helper}`];
}

/**
 * The same entries as environment variables (git >= 2.31: GIT_CONFIG_COUNT, GIT_CONFIG_KEY_n,
 * GIT_CONFIG_VALUE_n), for the host runtime's shell and everything it starts (Claude included),
 * without touching the person's own ~/.gitconfig. Entries already in `base` are kept first.
 */
export function gitConfigEnv(
  entries: Array<[string, string]>,
  base: Record<string, string | undefined> = {},
): Record<string, string> {
  const start = Number.parseInt(base.GIT_CONFIG_COUNT ?? "0", 10);
  const offset = Number.isSafeInteger(start) && start > 0 ? start : 0;
  const env: Record<string, string> = {};
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${offset + i}`] = key;
    env[`GIT_CONFIG_VALUE_${offset + i}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(offset + entries.length);
  return env;
}

/**
 * Run as root in the devcontainer (`sh -c SCRIPT sh ORIGIN HELPER NAME EMAIL FOLDER`): the system
 * git config gets the helper (none when ORIGIN is empty), the person's identity, and the workspace folder as a safe directory
 * (the clone belongs to the host's root, the terminal may run as another user). Exits 3 when the
 * image has no git at all.
 */
export const containerGitScript = `set -e
command -v git >/dev/null 2>&1 || { echo "the image has no git" >&2; exit 3; }
if [ -n "$1" ]; then
  key="credential.$1.helper"
  git config --system --unset-all "$key" 2>/dev/null || true
  git config --system --add "$key" ""
  git config --system --add "$key" "$2"
fi
git config --system user.name "$3"
git config --system user.email "$4"
if [ -n "$5" ]; then
  git config --system --unset-all safe.directory "^$5\\$" 2>/dev/null || true
  git config --system --add safe.directory "$5"
fi
`;

/**
 * gh reads GH_TOKEN. Where the image has gh and the repo is on github.com, a wrapper earlier on
 * PATH (`sh -c SCRIPT sh DIR HELPER`, DIR e.g. /usr/local/sbin) asks the helper for a fresh token
 * on each run: it is in that one gh process's environment only, never in a file or the shell's
 * environment. Exits 4 when the image has no gh.
 */
export const containerGhScript = String.raw`set -e
dir="$1"; helper="$2"
real=$(command -v gh 2>/dev/null || true)
[ -n "$real" ] || exit 4
if [ "$real" = "$dir/gh" ]; then
  grep -q berth-agent "$real" && exit 0
  echo "gh is installed at $dir/gh itself" >&2; exit 5
fi
mkdir -p "$dir"
cat > "$dir/gh.tmp" <<BERTH_GH
#!/bin/sh
# Written by berth-agent: gh with this workspace's GitHub token, asked for on each run.
if [ -z "\$GH_TOKEN" ] && [ -z "\$GITHUB_TOKEN" ]; then
  t=\$(printf 'protocol=https\nhost=github.com\n\n' | $helper get 2>/dev/null | sed -n 's/^password=//p')
  if [ -n "\$t" ]; then GH_TOKEN="\$t" exec "$real" "\$@"; fi
fi
exec "$real" "\$@"
BERTH_GH
chmod 755 "$dir/gh.tmp"
mv "$dir/gh.tmp" "$dir/gh"
`;
