import { type HookMessage, hookMessage } from "./message.ts";

export interface ForwardOptions {
  socketPath: string;
  /** Whole budget for connecting, writing and reading the ack. */
  timeoutMs?: number;
}

/**
 * Sends one hook event to the daemon. Never throws and never takes longer than the timeout:
 * Claude Code waits for hooks, so a dead or stuck daemon must not slow or break Claude.
 * Resolves true when the daemon acknowledged the event.
 */
export function forwardHook(message: HookMessage, opts: ForwardOptions): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  return new Promise<boolean>((resolve) => {
    let done = false;
    let sock: { end(): void } | null = null;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock?.end();
      } catch {
        // Already closed.
      }
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    Bun.connect({
      unix: opts.socketPath,
      socket: {
        open(s) {
          sock = s;
          s.write(`${JSON.stringify(message)}\n`);
        },
        data(_s, data) {
          finish(data.toString().startsWith("ok"));
        },
        close() {
          finish(false);
        },
        error() {
          finish(false);
        },
        connectError() {
          finish(false);
        },
      },
    }).catch(() => finish(false));
  });
}

/** Reads stdin with a deadline: a hook run by hand from a terminal must not hang on a TTY. */
export async function readStdin(timeoutMs: number): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: string[] = [];
  let size = 0;
  const read = (async () => {
    const decoder = new TextDecoder();
    const reader = Bun.stdin.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      chunks.push(decoder.decode(value, { stream: true }));
      size += value.byteLength;
      // Only a few small fields are used; tool_input may be huge.
      if (size > 1_000_000) break;
    }
  })().catch(() => undefined);
  await Promise.race([read, Bun.sleep(timeoutMs)]);
  return chunks.join("");
}

/** `berth-agent hook <event>`: always resolves, the CLI then exits 0. */
export async function runHookCommand(
  eventArg: string,
  socketPath: string,
  timeoutMs = 1000,
): Promise<boolean> {
  const started = Date.now();
  const stdin = await readStdin(Math.floor(timeoutMs / 2));
  const left = Math.max(100, timeoutMs - (Date.now() - started));
  return forwardHook(hookMessage(eventArg, stdin), { socketPath, timeoutMs: left });
}
