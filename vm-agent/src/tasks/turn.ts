import type { TaskPermissionMode } from "@berth/protocol/agent";
import { type CommandRunner, runCommand } from "../boot/exec.ts";
import { launcherScript, type TaskRuntime } from "./runtime.ts";
import { type EventDraft, StreamParser, type TurnResult } from "./stream.ts";

export interface TurnOptions {
  runtime: TaskRuntime;
  /** Goes to claude's stdin: never on a command line. */
  prompt: string;
  permissionMode: TaskPermissionMode;
  /** Continue the conversation: a session id (--resume), "latest" (--continue), or null (new). */
  resume: string | null;
  limitMs: number;
  onEvent(event: EventDraft): void;
  /** A tool finished: the files may have changed. The next line waits for it (events stay in order). */
  onToolDone(): Promise<void> | void;
  /** The claude command; default "claude" from the runtime's PATH. */
  claude?: string;
  run?: CommandRunner;
  log?: (msg: string) => void;
}

export interface TurnRun {
  /** The exit code (null when killed by a signal). */
  code: number | null;
  timedOut: boolean;
  aborted: boolean;
  result: TurnResult | null;
  apiError: string | null;
  sessionId: string | null;
  stderrTail: string;
}

export interface RunningTurn {
  done: Promise<TurnRun>;
  /** Kills the turn (the agent is stopping). */
  abort(): Promise<void>;
}

/** `claude -p` headless, its stream on stdout. */
export function claudeArgs(opts: Pick<TurnOptions, "permissionMode" | "resume" | "claude">): string[] {
  const args = [opts.claude ?? "claude", "-p", "--output-format", "stream-json", "--verbose"];
  args.push("--permission-mode", opts.permissionMode);
  if (opts.resume === "latest") args.push("--continue");
  else if (opts.resume) args.push("--resume", opts.resume);
  return args;
}

/**
 * Runs one headless turn: spawns claude in its own process group in the runtime, reads its
 * stream line by line into events, and kills the whole group when the time limit passes.
 */
export function startTurn(opts: TurnOptions): RunningTurn {
  const run = opts.run ?? runCommand;
  const log = opts.log ?? (() => {});
  const rt = opts.runtime;
  // Claude refuses bypassPermissions as root unless told it is in a sandbox: the devcontainer is one.
  const env = opts.permissionMode === "bypassPermissions" ? ["env", "IS_SANDBOX=1"] : [];
  const launch = ["sh", "-c", launcherScript, "berth-task", rt.folder, rt.pidFile];
  const parser = new StreamParser(rt.folder);
  const flags = { timedOut: false, aborted: false };
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(rt.wrap([...launch, ...env, ...claudeArgs(opts)]), {
      cwd: rt.cwd,
      env: rt.env,
      stdin: new Blob([opts.prompt]),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (err) {
    const stderrTail = err instanceof Error ? err.message : String(err);
    const none = { code: 127, ...flags, result: null, apiError: null, sessionId: null, stderrTail };
    return { done: Promise.resolve(none), abort: async () => {} };
  }
  const kill = async () => {
    const r = await run(rt.killCommand, { env: rt.env, timeoutMs: 30_000 });
    if (r.code !== 0) log(`task: kill: exit ${r.code} ${r.stderr.trim().slice(-200)}`);
    // The host side (devcontainer exec, or claude itself on the host) too, if still there.
    proc.kill("SIGKILL");
  };
  const timer = setTimeout(() => {
    flags.timedOut = true;
    void kill();
  }, opts.limitMs);

  const stdout = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const stderr = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  const done = (async (): Promise<TurnRun> => {
    const reading = Promise.all([
      readLines(stdout, async (line) => {
        const { events, toolDone } = parser.line(line);
        for (const e of events) opts.onEvent(e);
        if (toolDone) await opts.onToolDone();
      }),
      readTail(stderr, 4000),
    ]);
    const code = await proc.exited;
    clearTimeout(timer);
    // Something claude started may still hold its stdout open: read what is there, then stop.
    const grace = Bun.sleep(outputGraceMs).then(() => {
      void stdout.cancel().catch(() => {});
      void stderr.cancel().catch(() => {});
    });
    const [, stderrTail] = await Promise.race([reading, grace.then(() => reading)]);
    return {
      code: proc.signalCode ? null : code,
      ...flags,
      result: parser.result,
      apiError: parser.apiError,
      sessionId: parser.sessionId,
      stderrTail: stderrTail.trim(),
    };
  })();
  return {
    done,
    async abort() {
      flags.aborted = true;
      clearTimeout(timer);
      await kill();
      await done;
    },
  };
}

/** Calls `onLine` for every line, waiting for each (so what it does stays in order). */
async function readLines(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  await eachChunk(reader, async (chunk) => {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      await onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
    }
  });
  buffered += decoder.decode();
  if (buffered.trim()) await onLine(buffered);
}

/** The last `max` characters of a stream. */
async function readTail(reader: ReadableStreamDefaultReader<Uint8Array>, max: number): Promise<string> {
  let tail = "";
  const decoder = new TextDecoder();
  await eachChunk(reader, (chunk) => {
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-max);
  });
  return tail;
}

/** After claude exits, how long its output may still take to drain. */
const outputGraceMs = 3000;

async function eachChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  f: (chunk: Uint8Array) => unknown,
): Promise<void> {
  for (;;) {
    const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (r.done) return;
    await f(r.value);
  }
}
