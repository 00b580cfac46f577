/** Small helpers for the benchmark: statistics and the test file. */
import { open } from "node:fs/promises";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * Writes ~`bytes` of log-like text lines (varied, so nothing compresses it away), then `trailer`.
 * Returns the file's size.
 */
export async function writeTextFile(path: string, bytes: number, trailer: string): Promise<number> {
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < 1024 * 1024; i++) {
    const line = `${String(i).padStart(7, "0")} INFO request id=${((i * 2654435761) >>> 0).toString(16)} path=/api/v1/items/${i % 977} status=200 ms=${i % 313}\n`;
    lines.push(line);
    len += line.length;
  }
  const block = new TextEncoder().encode(lines.join(""));
  const fh = await open(path, "w");
  let written = 0;
  try {
    while (written + block.length <= bytes) {
      await fh.write(block);
      written += block.length;
    }
    const tail = new TextEncoder().encode(trailer);
    await fh.write(tail);
    written += tail.length;
  } finally {
    await fh.close();
  }
  return written;
}
