/**
 * Browser side of one terminal session: an xterm.js instance plus the WebSocket that feeds it,
 * reconnecting with backoff and resuming from the last byte offset received, acknowledging bytes
 * once xterm.js has consumed them (the server's flow control depends on it).
 */
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal } from "@xterm/xterm";
import {
  ackEveryBytes,
  encodeMessage,
  parseServerMessage,
  type ServerMessage,
  type SessionInfo,
  sessionWsPath,
  wsQuery,
} from "../terminal/wire.ts";

export interface SessionViewEvents {
  onState(view: SessionView): void;
  onBanner(text: string | null): void;
  onExit(view: SessionView): void;
  /** Reconnecting keeps failing: the session may be gone or the login expired. */
  onTrouble(view: SessionView): void;
  /** Whether the user touched keyboard/mouse/keybar just now (see `isHuman` in app.ts). */
  isHuman(): boolean;
  /** Lets the touch key bar rewrite typed input (sticky Ctrl). */
  transformInput(data: string): string;
}

export type ViewState = "connecting" | "online" | "offline" | "ended";

const maxBackoffMs = 10_000;
/** Keys typed while the socket is not open yet, kept for it; more than a burst of typing is dropped. */
const maxTypeAheadBytes = 4096;
const encoder = new TextEncoder();

export class SessionView {
  info: SessionInfo;
  readonly el: HTMLDivElement;
  readonly term: Terminal;
  readonly fit = new FitAddon();
  state: ViewState = "connecting";
  failures = 0;
  #events: SessionViewEvents;
  #ws: WebSocket | null = null;
  /** Offset of the next output byte we expect (received, maybe not yet rendered). */
  #received: number | null = null;
  /** Offset up to which xterm.js finished processing. */
  #consumed = 0;
  #acked = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closedByUs = false;
  /** Keys typed before the session answered (a new tab, a reconnect): sent after its hello. */
  #typeAhead: Uint8Array[] = [];
  #typeAheadBytes = 0;

  constructor(info: SessionInfo, parent: HTMLElement, events: SessionViewEvents) {
    this.info = info;
    this.#events = events;
    this.el = document.createElement("div");
    this.el.className = "term";
    this.el.hidden = true;
    parent.appendChild(this.el);
    this.term = new Terminal({
      cursorBlink: true,
      scrollback: 10_000,
      fontFamily: "ui-monospace, Menlo, Consolas, monospace",
      fontSize: 14,
      theme: { background: "#1e1e1e" },
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(new WebLinksAddon());
    this.term.open(this.el);
    this.term.onData((data) => this.#input(data));
    this.term.onBinary((data) => this.#input(data, true));
    this.term.onResize(({ cols, rows }) => this.#send(encodeMessage({ t: "resize", cols, rows })));
    this.connect();
  }

  connect(): void {
    clearTimeout(this.#timer);
    this.#setState("connecting");
    const url = new URL(sessionWsPath(this.info.id), location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.#received !== null) url.searchParams.set(wsQuery.offset, String(this.#received));
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      if (this.#closedByUs || this.state === "ended") return;
      this.failures++;
      this.#setState("offline");
      // Exponential backoff with jitter so many tabs do not reconnect in lockstep.
      const delay = Math.min(maxBackoffMs, 500 * 2 ** Math.min(this.failures - 1, 5));
      this.#timer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
      if (this.failures >= 3) this.#events.onTrouble(this);
    };
  }

  show(visible: boolean): void {
    this.el.hidden = !visible;
    if (visible) {
      this.fitNow();
      this.term.focus();
    }
  }

  fitNow(): void {
    if (!this.el.hidden) this.fit.fit();
  }

  /** Sends bytes as if typed (used by the touch key bar). */
  sendKeys(data: string): void {
    this.#input(data);
  }

  dispose(): void {
    this.#closedByUs = true;
    clearTimeout(this.#timer);
    this.#ws?.close();
    this.term.dispose();
    this.el.remove();
  }

  #onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const bytes = new Uint8Array(data);
      if (this.#received !== null) this.#received += bytes.length;
      const end = this.#received ?? 0;
      this.term.write(bytes, () => this.#consumedTo(end));
      return;
    }
    const msg = parseServerMessage(String(data));
    if (msg) this.#onControl(msg);
  }

  #onControl(msg: ServerMessage): void {
    switch (msg.t) {
      case "hello":
        this.info = msg.session;
        this.#received = msg.offset;
        this.#consumed = this.#acked = msg.offset;
        this.failures = 0;
        this.#setState("online");
        this.#events.onBanner(msg.banner);
        this.fitNow();
        this.#send(encodeMessage({ t: "resize", cols: this.term.cols, rows: this.term.rows }));
        this.#flushTypeAhead();
        break;
      case "skip":
        this.#received = msg.to;
        this.term.write(`\r\n\x1b[2m[${msg.to - msg.from} bytes of output skipped]\x1b[0m\r\n`);
        this.#consumedTo(msg.to);
        break;
      case "banner":
        this.#events.onBanner(msg.text);
        break;
      case "exit":
        this.term.write(
          `\r\n\x1b[2m[session ended${msg.code === null ? "" : `: exit ${msg.code}`}]\x1b[0m\r\n`,
        );
        this.#setState("ended");
        this.#events.onExit(this);
        break;
    }
  }

  #consumedTo(offset: number): void {
    this.#consumed = Math.max(this.#consumed, offset);
    // Ack in batches, and always once everything received has been rendered.
    if (this.#consumed - this.#acked >= ackEveryBytes || this.#consumed === this.#received) {
      this.#acked = this.#consumed;
      this.#send(encodeMessage({ t: "ack", offset: this.#consumed }));
    }
  }

  #input(data: string, binary = false): void {
    const ws = this.#ws;
    const online = ws?.readyState === WebSocket.OPEN && this.state === "online";
    if (!this.#events.isHuman()) {
      // Replies to the terminal's own queries mean nothing to a session that has not answered yet.
      if (online) ws?.send(encodeMessage({ t: "reply", data }));
      return;
    }
    const text = binary ? data : this.#events.transformInput(data);
    // onBinary data is one char per byte (mouse reports); text is UTF-8 encoded.
    const bytes = binary ? Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff) : encoder.encode(text);
    if (online && this.#typeAhead.length === 0) {
      ws?.send(bytes);
    } else if (this.#typeAheadBytes + bytes.length <= maxTypeAheadBytes) {
      this.#typeAhead.push(bytes);
      this.#typeAheadBytes += bytes.length;
    }
  }

  #flushTypeAhead(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    for (const bytes of this.#typeAhead) ws.send(bytes);
    this.#typeAhead = [];
    this.#typeAheadBytes = 0;
  }

  #send(text: string): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(text);
  }

  #setState(state: ViewState): void {
    this.state = state;
    this.#events.onState(this);
  }
}
