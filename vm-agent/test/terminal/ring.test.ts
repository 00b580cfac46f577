import { expect, test } from "bun:test";
import { ByteRing } from "../../src/terminal/ring.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function readAll(ring: ByteRing, from: number): string {
  let out = "";
  let at = from;
  for (;;) {
    const chunk = ring.read(at, 1 << 20);
    if (chunk.length === 0) return out;
    out += str(chunk);
    at = Math.max(at, ring.start) + chunk.length;
  }
}

test("keeps the last `capacity` bytes, addressed by absolute offsets, across the wrap", () => {
  const ring = new ByteRing(8);
  ring.append(bytes("abcde"));
  expect([ring.start, ring.end]).toEqual([0, 5]);
  ring.append(bytes("fghij"));
  expect([ring.start, ring.end]).toEqual([2, 10]);
  expect(readAll(ring, 2)).toBe("cdefghij");
  expect(readAll(ring, 7)).toBe("hij");
  // Offsets before the start are clamped to what is still held.
  expect(readAll(ring, 0)).toBe("cdefghij");
  expect(ring.read(10, 4).length).toBe(0);
});

test("a chunk larger than the ring keeps its tail", () => {
  const ring = new ByteRing(4);
  ring.append(bytes("0123456789"));
  expect([ring.start, ring.end]).toEqual([6, 10]);
  expect(readAll(ring, 6)).toBe("6789");
});

test("a quiet ring stays small; it grows as output arrives, never past its capacity, losing nothing", () => {
  const capacity = 1024 * 1024;
  const ring = new ByteRing(capacity);
  ring.append(bytes("prompt$ "));
  expect(ring.allocated).toBe(64 * 1024);
  let text = "prompt$ ";
  for (let i = 0; text.length < 300 * 1024; i++) {
    const line = `line ${i} ${"x".repeat(i % 97)}\n`;
    ring.append(bytes(line));
    text += line;
  }
  expect(ring.allocated).toBe(512 * 1024);
  expect(readAll(ring, 0)).toBe(text);
  const big = "y".repeat(capacity);
  ring.append(bytes(big));
  expect(ring.allocated).toBe(capacity);
  expect(readAll(ring, 0)).toBe((text + big).slice(-capacity));
});
