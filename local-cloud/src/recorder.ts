import type { IncomingHttpHeaders } from "node:http";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[]>;
  body: unknown;
  /** The status answered; for a lost response, the status the real operation produced. */
  status: number;
  /** ISO timestamp of arrival. */
  at: string;
  /** Set when a fault rule applied: "status", "delay", "headers" or "lost". */
  fault?: string;
}

const HIDDEN_HEADERS = new Set(["authorization", "x-api-key"]);

export function publicHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HIDDEN_HEADERS.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export class Recorder {
  private entries: RecordedRequest[] = [];
  private readonly max: number;

  constructor(max = 5000) {
    this.max = max;
  }

  add(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  list(): RecordedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
