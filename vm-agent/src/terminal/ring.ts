/**
 * A byte ring addressed by absolute stream offsets. It holds the last `capacity` bytes a session
 * produced; readers (one cursor per client) read from any offset still held. It starts small and
 * doubles until it reaches `capacity` (a quiet tab costs 64 KiB, not its whole scrollback); after
 * that a flood never grows it.
 */
const initialBytes = 64 * 1024;

export class ByteRing {
  readonly capacity: number;
  #buf: Uint8Array;
  /** Total bytes ever appended = offset one past the newest byte. */
  #end = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new Error("ring capacity must be positive");
    this.capacity = capacity;
    this.#buf = new Uint8Array(Math.min(capacity, initialBytes));
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return Math.max(0, this.#end - this.capacity);
  }

  get end(): number {
    return this.#end;
  }

  /** Bytes of memory the ring holds now. */
  get allocated(): number {
    return this.#buf.length;
  }

  append(bytes: Uint8Array): void {
    this.#grow(this.#end + bytes.length);
    let src = bytes;
    // Only the last `capacity` bytes of an oversized chunk can survive anyway.
    if (src.length > this.capacity) {
      this.#end += src.length - this.capacity;
      src = src.subarray(src.length - this.capacity);
    }
    const at = this.#end % this.capacity;
    const first = Math.min(src.length, this.capacity - at);
    this.#buf.set(src.subarray(0, first), at);
    if (first < src.length) this.#buf.set(src.subarray(first), 0);
    this.#end += src.length;
  }

  /**
   * Until it is full size the ring has never wrapped: bytes [0, end) sit at the same indexes, so
   * growing is one copy.
   */
  #grow(needed: number): void {
    if (this.#buf.length === this.capacity || needed <= this.#buf.length) return;
    let size = this.#buf.length;
    while (size < needed && size < this.capacity) size *= 2;
    const next = new Uint8Array(Math.min(size, this.capacity));
    next.set(this.#buf.subarray(0, this.#end));
    this.#buf = next;
  }

  /**
   * Up to `max` bytes starting at `offset` (clamped to what is held), as a view into the ring that
   * is valid until the next append: callers send or copy it right away. Returns at most the
   * contiguous part, so a read across the wrap point takes two calls.
   */
  read(offset: number, max: number): Uint8Array {
    const from = Math.max(offset, this.start);
    if (from >= this.#end || max <= 0) return new Uint8Array(0);
    const at = from % this.capacity;
    const len = Math.min(max, this.#end - from, this.capacity - at);
    return this.#buf.subarray(at, at + len);
  }
}
