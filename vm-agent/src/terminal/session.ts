/**
 * One terminal session (a browser tab's worth): a login shell on a PTY, its scrollback ring, and
 * the clients attached to it. The session outlives its clients; each client is only a cursor into
 * the ring, so replay-then-live has no race: whatever a client has not been sent yet is in the ring
 * (or was overwritten, which it is told about with `skip`).
 */
import { Pty } from "./pty.ts";
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

/** Scrollback per session: what a reconnecting client can replay. */
export const defaultScrollbackBytes = 1024 * 1024;
/** Largest binary frame we send; small enough to keep the page responsive. */
const maxFrameBytes = 64 * 1024;
/** Do not queue more in Bun's socket buffer than this per client, whatever the ack window says. */
const socketHighWater = 256 * 1024;

/**
 * Every chunk read from a PTY is a fresh buffer that is garbage once copied into the ring; under a
 * flood across many tabs the heap balloons long before the collector runs on its own (measured:
 * ~100 MB peak with 10 flooding tabs). A full collection every 4 MiB of output keeps the peak
 * near 75 MB; it costs a few ms per collection and no measurable throughput, and quiet terminals
 * never trigger it.
 */
const collectEveryBytes = 4 * 1024 * 1024;
let outputSinceCollect = 0;
function collectAfterOutput(bytes: number): void {
  outputSinceCollect += bytes;
  if (outputSinceCollect < collectEveryBytes) return;
  outputSinceCollect = 0;
  Bun.gc(true);
}

export class Session {
  readonly id: string;
  name: string;
  readonly createdAt = new Date().toISOString();
  readonly pid: number;
  cols: number;
  rows: number;
  readonly exited: Promise<number | null>;
  #ring: ByteRing;
  #clients = new Set<Attachment>();
  #pty: Pty;
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
    // Stop reading the PTY once every client has a full window outstanding (the program then
    // blocks in write()), and before the slowest one would fall out of the scrollback; resume
    // with hysteresis so a steady consumer is not paused and resumed for every chunk.
    this.#highWater = Math.min(sendWindowBytes, Math.floor(scrollback / 4));
    this.#lowWater = this.#highWater / 2;
    this.#pty = new Pty({
      command: opts.command,
      cwd: opts.cwd,
      env: opts.env,
      cols: opts.cols,
      rows: opts.rows,
      onData: (bytes) => this.#onOutput(bytes),
    });
    this.pid = this.#pty.pid;
    this.exited = this.#pty.exited.then(async (code) => {
      // Output written just before exit may still be in the PTY: read it (background jobs may keep
      // the terminal open, so do not wait for its end for long).
      this.#pty.resume();
      await Promise.race([this.#pty.drained, Bun.sleep(100)]);
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
    if (this.#done) return;
    this.#pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.#done) return;
    this.cols = cols;
    this.rows = rows;
    this.#pty.resize(cols, rows);
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
      this.#pty.kill("SIGHUP");
      this.#pty.close();
      const timer = setTimeout(() => this.#pty.kill("SIGKILL"), graceMs);
      await this.#pty.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  #onOutput(bytes: Uint8Array): void {
    collectAfterOutput(bytes.length);
    this.#ring.append(bytes);
    for (const att of this.#clients) this.#pump(att);
    this.#updateFlow();
  }

  /** Sends a client what it has not been sent yet, within its ack window and socket buffer. */
  #pump(att: Attachment, ignoreWindow = false): void {
    const ring = this.#ring;
    if (att.sent < ring.start) {
      // Lagged past the scrollback: a client that attached late, or one others outran.
      att.sink.sendText(encodeMessage({ t: "skip", from: att.sent, to: ring.start }));
      att.sent = att.acked = ring.start;
    }
    while (att.sent < ring.end) {
      const room = ignoreWindow ? maxFrameBytes : sendWindowBytes - (att.sent - att.acked);
      if (room <= 0 || (!ignoreWindow && att.sink.getBufferedAmount() > socketHighWater)) return;
      const chunk = ring.read(att.sent, Math.min(room, maxFrameBytes));
      // A view, not a copy: the socket copies what it cannot send at once before returning.
      const status = att.sink.sendBinary(chunk);
      if (status === 0) return; // dropped: the socket is closing
      att.sent += chunk.length;
      if (status < 0) return; // queued behind backpressure; `drain` resumes
    }
  }

  /** Whether the program's output is currently stopped (for tests and diagnostics). */
  get outputPaused(): boolean {
    return this.#pty.paused;
  }

  /**
   * Stops reading the program's output when every attached client lags by more than the high
   * watermark, or when the slowest would otherwise fall out of the scrollback; reads again once
   * one client is below the low watermark and none is near the scrollback's edge.
   */
  #updateFlow(): void {
    if (this.#done) return;
    if (this.#clients.size === 0) {
      // Nobody is watching: let the program run, the ring keeps the latest output.
      this.#pty.resume();
      return;
    }
    const end = this.#ring.end;
    let minLag = Number.POSITIVE_INFINITY;
    let maxLag = 0;
    for (const att of this.#clients) {
      const lag = end - att.acked;
      minLag = Math.min(minLag, lag);
      maxLag = Math.max(maxLag, lag);
    }
    const edge = this.#ring.capacity - this.#highWater;
    if (minLag > this.#highWater || maxLag > edge) this.#pty.pause();
    else if (minLag < this.#lowWater && maxLag < edge - this.#highWater) this.#pty.resume();
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
    this.#pty.close();
    this.#onExit?.(this);
  }
}
