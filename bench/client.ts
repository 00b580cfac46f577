/**
 * A lean WebSocket client for the benchmark: counts bytes (keeps none), watches for a marker,
 * and, for the agent, speaks the ack protocol so flow control lets data through.
 */
import { encodeMessage, parseServerMessage } from "../vm-agent/src/terminal/wire.ts";

export class BenchClient {
  readonly ws: WebSocket;
  received = 0;
  /** Stream offset from the agent's hello (0 for websocketd). */
  base = 0;
  hello = false;
  /** Bytes the agent skipped for this client (overran its scrollback). */
  skipped = 0;
  #acked = 0;
  #ackedSkips = 0;
  #tail = "";
  #decoder = new TextDecoder();
  #waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  readonly opened: Promise<void>;
  /** Agent clients ack; websocketd has no such protocol. */
  readonly agent: boolean;
  /** A slow client: acks only up to this many bytes received (raise it to consume more). */
  ackLimit = Number.POSITIVE_INFINITY;

  constructor(url: string, headers: Record<string, string>, agent: boolean) {
    this.agent = agent;
    this.ws = new WebSocket(url, { headers } as unknown as string[]);
    this.ws.binaryType = "arraybuffer";
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error(`websocket error: ${url}`)));
    });
    this.ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string") {
        const msg = parseServerMessage(ev.data);
        if (msg?.t === "hello") {
          this.base = msg.offset;
          this.hello = true;
        } else if (msg?.t === "skip") {
          this.skipped += msg.to - msg.from;
          this.ack();
        }
      } else {
        const b = new Uint8Array(ev.data as ArrayBuffer);
        this.received += b.length;
        // Keep only a short tail of text to find markers across frame boundaries.
        this.#tail = (this.#tail + this.#decoder.decode(b.length > 256 ? b.subarray(-256) : b)).slice(-512);
      }
      this.#check();
    });
  }

  ack(): void {
    const upTo = Math.min(this.received, this.ackLimit);
    if (upTo <= this.#acked && this.skipped === this.#ackedSkips) return;
    this.#acked = upTo;
    this.#ackedSkips = this.skipped;
    // Skipped bytes count as consumed: the stream offset moved past them.
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(encodeMessage({ t: "ack", offset: this.base + upTo + this.skipped }));
    }
  }

  send(data: string): void {
    this.ws.send(new TextEncoder().encode(data));
  }

  /** Sends the command line and waits for its output marker (typed as `MA""RK`, printed `MARK`). */
  async run(line: string, marker: string, timeoutMs = 60_000): Promise<void> {
    this.clearTail();
    this.send(`${line}\r`);
    await this.until(() => this.tailIncludes(marker), timeoutMs);
  }

  tailIncludes(s: string): boolean {
    return this.#tail.includes(s);
  }

  clearTail(): void {
    this.#tail = "";
  }

  until(test: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench client timed out; tail ${JSON.stringify(this.#tail)}`)),
        timeoutMs,
      );
      this.#waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  #check(): void {
    if (this.agent) this.ack(); // ack small bursts promptly too
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  close(): void {
    this.ws.close();
  }
}
