/** External commands (git, docker, devcontainer) go through this, so tests can inject fakes. */

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Written to the command's stdin: how content (secrets above all) reaches it, not argv. */
  input?: string;
}
export interface RunResult {
  /** Exit code; 127 when the program does not exist, 124 on timeout. */
  code: number;
  stdout: string;
  stderr: string;
}
export type CommandRunner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

/** Runs a command to completion with Bun.spawn. Never throws. */
export const runCommand: CommandRunner = async (argv, opts = {}) => {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(argv, {
      cwd: opts.cwd,
      env: opts.env ?? (process.env as Record<string, string>),
      stdin: opts.input === undefined ? "ignore" : new Response(opts.input),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (err) {
    return { code: 127, stdout: "", stderr: err instanceof Error ? err.message : String(err) };
  }
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          proc.kill("SIGKILL");
        }, opts.timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout as ReadableStream).text(),
    new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ]);
  if (timer) clearTimeout(timer);
  return { code: timedOut ? 124 : code, stdout, stderr };
};

/** The last lines of a command's output, for a progress message (the protocol caps at 2000). */
export function tail(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(t.length - max)}`;
}

/** A repo URL without credentials, safe to report and log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    // scp-like git syntax (git@host:owner/repo) carries no password.
    return url;
  }
}
