/**
 * The terminal wire protocol, shared by the agent and the browser page (the page imports this very
 * module, transpiled at startup). Keep it free of imports and runtime dependencies.
 *
 * Transport: one WebSocket per (browser tab, session) at `sessionWsPath(id)`.
 * - Server -> client binary frames: terminal output bytes. They are contiguous: the first binary
 *   frame starts at `hello.offset`, every later one at the previous offset + its length, except
 *   after a `skip` message (the client fell further behind than the scrollback holds).
 * - Client -> server binary frames: human input (keystrokes, paste). Only these count as activity.
 * - Text frames in both directions: the JSON control messages below.
 *
 * Offsets count every byte the session's PTY ever produced. A client that reconnects passes the
 * offset it has consumed up to (`?offset=N`) and gets exactly the bytes after it: no loss, no
 * duplication, as long as they are still in the scrollback ring.
 *
 * Flow control: the server keeps at most `sendWindowBytes` sent but unacknowledged per client;
 * the client acknowledges with `ack` once xterm.js has consumed the bytes, so neither side's
 * memory grows during a flood. When every attached client lags (or the slowest is about to fall out
 * of the scrollback) the agent stops reading the PTY, so the program blocks in write() in any
 * terminal mode, while input such as Ctrl-C still goes through.
 */

/** How much sent-but-unacknowledged output the server allows per client. */
export const sendWindowBytes = 256 * 1024;
/** Clients acknowledge at least this often (in consumed bytes), and whenever their queue drains. */
export const ackEveryBytes = 32 * 1024;

/** Query parameters of the WebSocket URL. */
export const wsQuery = { offset: "offset", cols: "cols", rows: "rows" } as const;

export function sessionsPath(): string {
  return "/api/sessions";
}
export function sessionPath(id: string): string {
  return `/api/sessions/${encodeURIComponent(id)}`;
}
export function sessionWsPath(id: string): string {
  return `${sessionPath(id)}/ws`;
}

/** A session as listed by `GET /api/sessions`. */
export interface SessionInfo {
  id: string;
  name: string;
  createdAt: string;
  clients: number;
  pid: number;
  cols: number;
  rows: number;
}

/** Body of `POST /api/sessions`; every field optional. */
export interface CreateSessionRequest {
  name?: string;
  cols?: number;
  rows?: number;
}

export type ServerMessage =
  /** First message on every connection; binary output that follows starts at `offset`. */
  | { t: "hello"; session: SessionInfo; offset: number; banner: string | null }
  /** Bytes [from, to) were dropped from the scrollback before this client read them. */
  | { t: "skip"; from: number; to: number }
  /** Show (text) or clear (null) the banner line, e.g. the idle warning. */
  | { t: "banner"; text: string | null }
  /** The session's program ended; the server closes the socket after this. */
  | { t: "exit"; code: number | null };

export type ClientMessage =
  /** The terminal's size changed; the PTY is resized (last writer wins across clients). */
  | { t: "resize"; cols: number; rows: number }
  /** The client has consumed every output byte before `offset`. */
  | { t: "ack"; offset: number }
  /**
   * Bytes the terminal emulator produced by itself (answers to queries such as DA or cursor
   * position reports). Written to the PTY like input but not counted as human activity.
   */
  | { t: "reply"; data: string };

export function encodeMessage(message: ServerMessage | ClientMessage): string {
  return JSON.stringify(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isDimension(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 1000;
}

/** Parses a client control message; null for anything malformed (the server ignores those). */
export function parseClientMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.t) {
    case "resize":
      return isDimension(value.cols) && isDimension(value.rows)
        ? { t: "resize", cols: value.cols, rows: value.rows }
        : null;
    case "ack":
      return typeof value.offset === "number" && Number.isSafeInteger(value.offset) && value.offset >= 0
        ? { t: "ack", offset: value.offset }
        : null;
    case "reply":
      return typeof value.data === "string" ? { t: "reply", data: value.data } : null;
    default:
      return null;
  }
}

/** Parses a server control message (the page trusts its own agent, so this only checks `t`). */
export function parseServerMessage(text: string): ServerMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value)) return null;
    const t = value.t;
    return t === "hello" || t === "skip" || t === "banner" || t === "exit" ? (value as ServerMessage) : null;
  } catch {
    return null;
  }
}

/** Validates terminal dimensions from a query string, falling back to a default. */
export function dimensionOr(raw: string | null, fallback: number): number {
  const n = raw === null ? Number.NaN : Number(raw);
  return isDimension(n) ? n : fallback;
}
