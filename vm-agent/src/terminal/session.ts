/**
 * One terminal session (a browser tab's worth): a login shell on a PTY, its scrollback ring, and
 * the clients attached to it. The session outlives its clients; each client is only a cursor into
 * the ring, so replay-then-live has no race: whatever a client has not been sent yet is in the ring
 * (or was overwritten, which it is told about with `skip`).
 */
import { OutputGate } from "./flow.ts";
import { ByteRing } from "./ring.ts";
import { encodeMessage, type ServerMessage, type SessionInfo, sendWindowBytes } from "./wire.ts";

/** Where a session sends to; a Bun ServerWebSocket in production, anything in tests. */
export interface ClientSink {
  /** Returns < 0 when queued behind backpressure, 0 when dropped, else bytes sent. */
  sendBinary(bytes: Uint8Array): number;
  sendText(text: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

export interface Attachment {
  readonly sink: ClientSink;
  /** Offset up to which output was sent to this client. */
  sent: number;
  /** Offset up to which the client said it consumed output. */
  acked: number;
}

export interface SessionOptions {
  id: string;
  name: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  scrollbackBytes?: number;
  /** Called once after the program exited and clients were told. */
  onExit?: (session: Session) => void;
}

/**
 * Scrollback per session: what a reconnecting client can replay, and the headroom that absorbs
 * output still arriving after an XOFF (see the constructor).
 */
export const defaultScrollbackBytes = 2 * 1024 * 1024;
/** Largest binary frame we send; small enough to keep the page responsive. */
const maxFrameBytes = 64 * 1024;
/** Do not queue more in Bun's socket buffer than this per client, whatever the ack window says. */
const socketHighWater = 256 * 1024;

export class Session {
  readonly id: string;
  name: string;
  readonly createdAt = new Date().toISOString();
  readonly pid: number;
  cols: number;
  rows: number;
  readonly gate: OutputGate;
  readonly exited: Promise<number | null>;
  #ring: ByteRing;
  #clients = new Set<Attachment>();
  #proc: Bun.Subprocess;
  #term: Bun.Terminal;
  #highWater: number;
  #lowWater: number;
  #banner: string | null = null;
  #done = false;
  #onExit: ((s: Session) => void) | undefined;

  constructor(opts: SessionOptions) {
    this.id = opts.id;
    this.name = opts.name;
    this.cols = opts.cols;
    this.rows = opts.rows;
    const scrollback = opts.scrollbackBytes ?? defaultScrollbackBytes;
    this.#ring = new ByteRing(scrollback);
    this.#onExit = opts.onExit;
    // Pause as soon as a client has a full window outstanding. The kernel acts on our XOFF only
    // after a scheduling delay and its PTY buffers still hold up to ~640 KiB, so a fast producer
    // overshoots; the rest of the ring is that headroom. Under heavy CPU load the overshoot can
    // exceed it (measured: usually < 1 MiB, rarely several MiB); the client then gets a `skip`
    // rather than unbounded buffering. Resume once it is down to half a window.
    this.#highWater = sendWindowBytes;
    this.#lowWater = sendWindowBytes / 2;
    this.#proc = Bun.spawn(opts.command, {
      cwd: opts.cwd,
      env: { TERM: "xterm-256color", COLORTERM: "truecolor", ...opts.env },
      terminal: {
        cols: opts.cols,
        rows: opts.rows,
        name: "xterm-256color",
        data: (_term, bytes) => this.#onOutput(bytes),
      },
    });
    const term = this.#proc.terminal;
    if (!term) throw new Error("Bun.spawn returned no terminal");
    this.#term = term;
    this.pid = this.#proc.pid;
    this.gate = new OutputGate(term);
    this.exited = this.#proc.exited.then(async (code) => {
      // Output written just before exit may still be in the PTY; give the reader a moment.
      await Bun.sleep(50);
      this.#finish(code);
      return code;
    });
  }

  /** Total output bytes ever produced (the offset a fully caught-up client is at). */
  get outputOffset(): number {
    return this.#ring.end;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  info(): SessionInfo {
    return {
      id: this.id,
      name: this.name,
      createdAt: this.createdAt,
      clients: this.#clients.size,
      pid: this.pid,
      cols: this.cols,
      rows: this.rows,
    };
  }

  /**
   * Attaches a client that has consumed everything before `offset` (null: replay the whole
   * scrollback). Sends `hello`, then replays and goes live through the same cursor.
   */
  attach(sink: ClientSink, offset: number | null): Attachment {
    const start = this.#ring.start;
    let from = offset === null ? start : Math.min(offset, this.#ring.end);
    const hello: ServerMessage = { t: "hello", session: this.info(), offset: from, banner: this.#banner };
    const att: Attachment = { sink, sent: from, acked: from };
    this.#clients.add(att);
    hello.session.clients = this.#clients.size;
    sink.sendText(encodeMessage(hello));
    if (from < start) {
      sink.sendText(encodeMessage({ t: "skip", from, to: start }));
      from = start;
      att.sent = att.acked = start;
    }
    this.#pump(att);
    this.#updateFlow();
    return att;
  }

  detach(att: Attachment): void {
    this.#clients.delete(att);
    this.#updateFlow();
  }

  /** Writes input to the program. Never throttled: Ctrl-C must get through a flood. */
  write(data: string | Uint8Array): void {
    if (this.#done || this.#term.closed) return;
    this.#term.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.#done || this.#term.closed) return;
    this.cols = cols;
    this.rows = rows;
    this.#term.resize(cols, rows);
  }

  ack(att: Attachment, offset: number): void {
    att.acked = Math.max(att.acked, Math.min(offset, att.sent));
    this.#pump(att);
    this.#updateFlow();
  }

  /** The client's socket drained its buffer: send more. */
  drain(att: Attachment): void {
    this.#pump(att);
  }

  setBanner(text: string | null): void {
    this.#banner = text;
    const msg = encodeMessage({ t: "banner", text });
    for (const att of this.#clients) att.sink.sendText(msg);
  }

  /** Ends the program: hang up the PTY (SIGHUP, as closing a terminal window does), then SIGKILL. */
  async kill(graceMs = 2000): Promise<void> {
    if (!this.#done) {
      this.#proc.kill("SIGHUP");
      this.#term.close();
      const timer = setTimeout(() => this.#proc.kill("SIGKILL"), graceMs);
      await this.#proc.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  #onOutput(bytes: Uint8Array): void {
    this.#ring.append(bytes);
    this.gate.onOutput(bytes.length);
    for (const att of this.#clients) this.#pump(att);
    this.#updateFlow();
  }

  /** Sends a client what it has not been sent yet, within its ack window and socket buffer. */
  #pump(att: Attachment, ignoreWindow = false): void {
    const ring = this.#ring;
    if (att.sent < ring.start) {
      // Lagged past the scrollback (only possible while output could not be paused).
      att.sink.sendText(encodeMessage({ t: "skip", from: att.sent, to: ring.start }));
      att.sent = att.acked = ring.start;
    }
    while (att.sent < ring.end) {
      const room = ignoreWindow ? maxFrameBytes : sendWindowBytes - (att.sent - att.acked);
      if (room <= 0 || (!ignoreWindow && att.sink.getBufferedAmount() > socketHighWater)) return;
      const chunk = ring.read(att.sent, Math.min(room, maxFrameBytes));
      // Copy: the ring view is overwritten by later output, the socket may queue the frame.
      const status = att.sink.sendBinary(chunk.slice());
      if (status === 0) return; // dropped: the socket is closing
      att.sent += chunk.length;
      if (status < 0) return; // queued behind backpressure; `drain` resumes
    }
  }

  /** Stops the producer when every attached client lags; restarts it when one caught up. */
  #updateFlow(): void {
    if (this.#done) return;
    if (this.#clients.size === 0) {
      // Nobody is watching: let the program run, the ring keeps the latest output.
      this.gate.resume();
      return;
    }
    const end = this.#ring.end;
    let allLag = true;
    let someCaughtUp = false;
    for (const att of this.#clients) {
      const lag = end - att.acked;
      if (lag <= this.#highWater) allLag = false;
      if (lag < this.#lowWater) someCaughtUp = true;
    }
    if (allLag) this.gate.pause();
    else if (someCaughtUp) this.gate.resume();
  }

  #finish(code: number | null): void {
    if (this.#done) return;
    this.#done = true;
    const exit = encodeMessage({ t: "exit", code });
    for (const att of this.#clients) {
      // Flush the tail regardless of the window: it is bounded by the ring.
      this.#pump(att, true);
      att.sink.sendText(exit);
      att.sink.close(1000, "session ended");
    }
    this.#clients.clear();
    if (!this.#term.closed) this.#term.close();
    this.#onExit?.(this);
  }
}
