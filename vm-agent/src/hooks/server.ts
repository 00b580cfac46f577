import type { HookInput } from "../idle/policy.ts";
import { chmod, mkdir, rm } from "../sys/files.ts";
import { dirname } from "../sys/paths.ts";
import { parseHookLine } from "./message.ts";

const MAX_LINE = 64 * 1024;

export interface HookServer {
  path: string;
  stop(): Promise<void>;
}

/**
 * The daemon's end of `berth-agent hook`: a Unix socket taking one JSON line per connection.
 * The socket is world-writable because Claude runs as the container's user, not root; all a
 * writer can do is report Claude activity for this, its own, workspace.
 */
export async function startHookServer(
  socketPath: string,
  onHook: (hook: HookInput) => void,
  log: (msg: string) => void = () => {},
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
        const hook = parseHookLine(s.data.buf.slice(0, nl));
        s.data.buf = "";
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
