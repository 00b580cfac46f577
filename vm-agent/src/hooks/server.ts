import type { HookInput } from "../idle/policy.ts";
import { chmod, mkdir, rm } from "../sys/files.ts";
import { dirname } from "../sys/paths.ts";
import { parseHookLine } from "./message.ts";

const MAX_LINE = 64 * 1024;

/**
 * Other requests on the same socket: a JSON line with a `kind` (e.g. "git-credential") gets the
 * handler's answer as one JSON line. The handler must never throw secrets into a log.
 */
export type LocalRequestHandlers = Record<string, (request: Record<string, unknown>) => Promise<unknown>>;

function requestOf(line: string): { kind: string; body: Record<string, unknown> } | null {
  try {
    const v: unknown = JSON.parse(line);
    if (!v || typeof v !== "object" || Array.isArray(v)) return null;
    const kind = (v as { kind?: unknown }).kind;
    return typeof kind === "string" ? { kind, body: v as Record<string, unknown> } : null;
  } catch {
    return null;
  }
}

export interface HookServer {
  path: string;
  stop(): Promise<void>;
}

/**
 * The daemon's end of `berth-agent hook`: a Unix socket taking one JSON line per connection.
 * The socket is world-writable because Claude runs as the container's user, not root; all a
 * writer can do is report Claude activity for this, its own, workspace, and ask for what the
 * workspace's own processes get anyway (a token for its one repository).
 */
export async function startHookServer(
  socketPath: string,
  onHook: (hook: HookInput) => void,
  log: (msg: string) => void = () => {},
  requests: LocalRequestHandlers = {},
): Promise<HookServer> {
  await mkdir(dirname(socketPath), { recursive: true });
  // A socket file left by a previous run (crash, SIGKILL) would make listen fail.
  await rm(socketPath, { force: true });
  const listener = Bun.listen<{ buf: string }>({
    unix: socketPath,
    socket: {
      open(s) {
        s.data = { buf: "" };
      },
      data(s, chunk) {
        s.data.buf += chunk.toString();
        const nl = s.data.buf.indexOf("\n");
        if (nl < 0) {
          if (s.data.buf.length > MAX_LINE) s.end();
          return;
        }
        const line = s.data.buf.slice(0, nl);
        s.data.buf = "";
        const request = requestOf(line);
        const handler = request && Object.hasOwn(requests, request.kind) ? requests[request.kind] : undefined;
        if (request && handler) {
          handler(request.body)
            .then((answer) => s.end(`${JSON.stringify(answer ?? {})}\n`))
            .catch((err) => {
              log(`local request ${request.kind}: handler failed: ${String(err)}`);
              s.end(`${JSON.stringify({ error: "Berth: the workspace agent failed to answer" })}\n`);
            });
          return;
        }
        const hook = parseHookLine(line);
        if (hook) {
          try {
            onHook(hook);
          } catch (err) {
            log(`hooks: handler failed: ${String(err)}`);
          }
        }
        s.end(hook ? "ok\n" : "ignored\n");
      },
      error(_s, err) {
        log(`hooks: socket error: ${String(err)}`);
      },
    },
  });
  await chmod(socketPath, 0o666);
  return {
    path: socketPath,
    async stop() {
      listener.stop(true);
      await rm(socketPath, { force: true });
    },
  };
}
