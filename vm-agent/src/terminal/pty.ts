/**
 * A pseudo-terminal whose output we can stop reading. Bun's built-in `terminal` spawn option
 * always drains the PTY master, so a flood could only be slowed with XOFF, which raw-mode programs
 * ignore. Here we open the PTY ourselves (libc through bun:ffi) and run the program on the slave as
 * a new session leader with it as controlling terminal (`setsid --ctty`, util-linux).
 *
 * The master is read and written through two `cat` processes on pipes, because Bun has no way to
 * watch an arbitrary descriptor: its `tty.ReadStream` is an `fs.ReadStream`, whose blocking reads
 * each hold one of the few thread-pool threads, so the third idle tab starved the rest. Pipes to a
 * subprocess are what Bun's event loop does well: when we stop reading, the pipe fills, the reader
 * `cat` blocks, the kernel's PTY buffers fill, and the program blocks in write() — whatever mode its
 * terminal is in. Input goes through the writer `cat` so a program that does not read its input
 * can never block the agent; its pipe keeps keystrokes in order.
 */
import { CString, dlopen, FFIType, ptr } from "bun:ffi";

const libc = lazy(() =>
  dlopen("libc.so.6", {
    posix_openpt: { args: [FFIType.i32], returns: FFIType.i32 },
    grantpt: { args: [FFIType.i32], returns: FFIType.i32 },
    unlockpt: { args: [FFIType.i32], returns: FFIType.i32 },
    ptsname: { args: [FFIType.i32], returns: FFIType.ptr },
    // Variadic in C; on x86-64 and arm64 Linux a fixed third pointer argument is passed the same way.
    ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    // open(2) here rather than node:fs, which would cost the agent ~4 MB of RSS to load.
    open: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  }),
);

/** O_RDWR | O_NOCTTY | O_CLOEXEC: no other child may inherit the master. */
const openFlags = 0o2 | 0o400 | 0o2000000;
/** O_RDWR | O_NOCTTY for the slave: the shell inherits it as its terminal. */
const slaveFlags = 0o2 | 0o400;
/** ioctl request that sets the window size (Linux, all architectures Bun supports). */
const TIOCSWINSZ = 0x5414;
/**
 * A bridge is `cat`, killed by the kernel if the agent dies (util-linux `setpriv --pdeathsig`):
 * otherwise an idle reader would hold the master open and the orphaned shell would never get its
 * hangup.
 */
const bridge = ["setpriv", "--pdeathsig", "KILL", "--", "cat"];
/** After the program exited, how long background jobs may keep the terminal's output open. */
const bridgeGraceMs = 100;

export interface PtyOptions {
  command: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  /** Output as it is read; not called while paused (except for one read already under way). */
  onData(bytes: Uint8Array): void;
}

export class Pty {
  readonly pid: number;
  /** The program's exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves once all output was read (every slave holder is gone) or the PTY was closed. */
  readonly drained: Promise<void>;
  /** Our descriptor of the master, for resizes (and to hang up by closing it). */
  #master: number;
  #proc: Bun.Subprocess;
  #reader: Bun.Subprocess<number, "pipe", "ignore">;
  #writer: Bun.Subprocess<"pipe", number, "ignore">;
  #closed = false;
  #paused = false;
  #resumed: (() => void) | null = null;

  constructor(opts: PtyOptions) {
    const master = openMaster();
    let slave = -1;
    const started: Bun.Subprocess[] = [];
    try {
      setWindowSize(master, opts.cols, opts.rows);
      slave = openSlave(ptsName(master));
      this.#proc = Bun.spawn([Bun.which("setsid") ?? "setsid", "--ctty", "--", ...opts.command], {
        cwd: opts.cwd,
        env: { TERM: "xterm-256color", COLORTERM: "truecolor", ...opts.env },
        stdio: [slave, slave, slave],
      });
      started.push(this.#proc);
      this.#reader = Bun.spawn(bridge, { stdin: master, stdout: "pipe", stderr: "ignore" });
      started.push(this.#reader);
      this.#writer = Bun.spawn(bridge, { stdin: "pipe", stdout: master, stderr: "ignore" });
    } catch (err) {
      for (const p of started) p.kill("SIGKILL");
      libc().symbols.close(master);
      throw err;
    } finally {
      // The child has its own copies; ours would keep the master from ever seeing end of output.
      if (slave >= 0) libc().symbols.close(slave);
    }
    this.#master = master;
    this.pid = this.#proc.pid;
    this.drained = this.#readLoop(opts.onData);
    this.exited = this.#proc.exited.then(() => this.#proc.exitCode);
    // Background jobs may hold the terminal open after the program exited; do not wait for them.
    void this.exited.then(() =>
      Promise.race([this.drained, Bun.sleep(bridgeGraceMs)]).then(() => this.close()),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops reading output; the pipe and kernel buffers fill and then the program blocks. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#resumed?.();
    this.#resumed = null;
  }

  /** Input for the program, in order; never blocks (the pipe to the writer buffers). */
  write(data: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#writer.stdin.write(data);
      this.#writer.stdin.flush();
    } catch {
      // The writer is gone: the terminal is closing.
    }
  }

  resize(cols: number, rows: number): void {
    if (!this.#closed) setWindowSize(this.#master, cols, rows);
  }

  kill(signal: NodeJS.Signals | number): void {
    this.#proc.kill(signal);
  }

  /**
   * Closes our ends of the master; once the last one is closed the kernel hangs up the terminal
   * (SIGHUP to its session), as closing a terminal window does.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.resume();
    libc().symbols.close(this.#master);
    try {
      void this.#writer.stdin.end();
    } catch {
      // already gone
    }
    this.#reader.kill("SIGTERM");
  }

  async #readLoop(onData: (bytes: Uint8Array) => void): Promise<void> {
    const stream = this.#reader.stdout.getReader();
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((resolve) => (this.#resumed = resolve));
        const { done, value } = await stream.read();
        if (done) return;
        onData(value);
      }
    } catch {
      // The reader was killed: nothing more to read.
    } finally {
      stream.releaseLock();
    }
  }
}

function openMaster(): number {
  const c = libc().symbols;
  const fd = c.posix_openpt(openFlags);
  if (fd < 0) throw new Error("posix_openpt failed: no pseudo-terminal available");
  if (c.grantpt(fd) !== 0 || c.unlockpt(fd) !== 0) {
    c.close(fd);
    throw new Error("grantpt/unlockpt failed");
  }
  return fd;
}

function openSlave(name: string): number {
  const fd = libc().symbols.open(Buffer.from(`${name}\0`), slaveFlags);
  if (fd < 0) throw new Error(`cannot open ${name}`);
  return fd;
}

function ptsName(master: number): string {
  const p = libc().symbols.ptsname(master);
  if (!p) throw new Error("ptsname failed");
  return new CString(p).toString();
}

function setWindowSize(fd: number, cols: number, rows: number): void {
  // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
  const ws = new Uint16Array([rows, cols, 0, 0]);
  if (libc().symbols.ioctl(fd, TIOCSWINSZ, ptr(ws)) !== 0) throw new Error("TIOCSWINSZ failed");
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}
