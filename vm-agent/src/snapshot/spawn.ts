/** Running the system tools a snapshot uses (git, tar, docker), with files as stdin/stdout. */

/**
 * git on this machine, in the workspace folder. The folder may belong to the devcontainer's user
 * (uid 1000, say) while the agent is root: git would refuse it as "dubious ownership" without
 * this (command-line config is trusted for safe.directory; the repo's own is not).
 */
export const hostGit = (dir: string, ...args: string[]) => [
  "git",
  "-c",
  "safe.directory=*",
  "-C",
  dir,
  ...args,
];

export class SnapshotError extends Error {
  override name = "SnapshotError";
}

/** Runs to completion; stdout/stdin may be files. Throws SnapshotError with stderr's tail on failure. */
export async function spawnOk(
  argv: string[],
  io: {
    stdout?: string;
    stdin?: string;
    cwd?: string;
    env?: Record<string, string>;
    okCodes?: number[];
  } = {},
  what = argv[0] ?? "command",
): Promise<void> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(argv, {
      cwd: io.cwd,
      env: io.env,
      stdin: io.stdin ? Bun.file(io.stdin) : "ignore",
      stdout: io.stdout ? Bun.file(io.stdout) : "ignore",
      stderr: "pipe",
    });
  } catch (err) {
    throw new SnapshotError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [stderr, code] = await Promise.all([new Response(proc.stderr as ReadableStream).text(), proc.exited]);
  if (code !== 0 && !io.okCodes?.includes(code))
    throw new SnapshotError(`${what} failed (exit ${code}): ${tailText(stderr)}`);
}

/** Runs and returns stdout as bytes; throws SnapshotError on failure. */
export async function spawnOutput(
  argv: string[],
  cwd?: string,
  what = argv[0] ?? "command",
): Promise<Uint8Array> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(argv, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new SnapshotError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [out, stderr, code] = await Promise.all([
    new Response(proc.stdout as ReadableStream).bytes(),
    new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new SnapshotError(`${what} failed (exit ${code}): ${tailText(stderr)}`);
  return out;
}

export function tailText(text: string, max = 400): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(t.length - max)}`;
}

/** Resolves when a Node writable can take more (or has closed). */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}
