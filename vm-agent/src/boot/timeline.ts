/**
 * The boot timeline's marks (protocol/src/boot-timeline.ts), reported as progress lines stamped
 * with when each happened. cloud-init's times come from its own record, /run/cloud-init/status.json
 * (`cloud-init status --format json` when that file is missing), so they are exact even though
 * the agent starts in the middle of cloud-init's final stage.
 */
import { readFile } from "node:fs/promises";
import { type BootMark, timelineMessage, timelineStep } from "@berth/protocol/boot-timeline";
import { type CommandRunner, runCommand } from "./exec.ts";

export const cloudInitStatusPath = "/run/cloud-init/status.json";

export interface CloudInitTimes {
  /** Epoch ms of the first stage's start, or null. */
  startMs: number | null;
  /** Epoch ms of the final stage's finish, null while it runs. */
  doneMs: number | null;
}

type Stage = { start?: number | null; finished?: number | null } | null | undefined;

/** Reads cloud-init's stage times from status.json (`{v1: {...}}`) or the status command (top level). */
export function parseCloudInitStatus(json: unknown): CloudInitTimes | null {
  if (typeof json !== "object" || json === null) return null;
  const root = json as Record<string, unknown>;
  const v1 = (typeof root.v1 === "object" && root.v1 !== null ? root.v1 : root) as Record<string, Stage>;
  const starts = ["init-local", "init", "modules-config", "modules-final"]
    .map((s) => v1[s]?.start)
    .filter((t): t is number => typeof t === "number" && t > 0);
  const finished = v1["modules-final"]?.finished;
  if (starts.length === 0) return null;
  return {
    startMs: Math.round(Math.min(...starts) * 1000),
    doneMs: typeof finished === "number" && finished > 0 ? Math.round(finished * 1000) : null,
  };
}

export type CloudInitReader = () => Promise<CloudInitTimes | null>;

export function cloudInitReader(
  opts: { path?: string; run?: CommandRunner; env?: Record<string, string> } = {},
): CloudInitReader {
  return async () => {
    try {
      return parseCloudInitStatus(JSON.parse(await readFile(opts.path ?? cloudInitStatusPath, "utf8")));
    } catch {
      // No status file (not booted by cloud-init, or an old layout): ask cloud-init, if it exists.
    }
    const run = opts.run ?? runCommand;
    const r = await run(["cloud-init", "status", "--format", "json"], {
      env: opts.env ?? (process.env as Record<string, string>),
      timeoutMs: 10_000,
    }).catch(() => null);
    if (!r || r.stdout.trim() === "") return null;
    try {
      return parseCloudInitStatus(JSON.parse(r.stdout));
    } catch {
      return null;
    }
  };
}

export interface BootTimeline {
  mark(mark: BootMark, atMs?: number, detail?: string): void;
  /**
   * Reports cloud-init's start now, and its finish once it is recorded (cloud-init finishes after
   * it started this agent), polling for at most `maxWaitMs`. Resolves when done or given up.
   */
  cloudInit(read: CloudInitReader, opts?: { pollMs?: number; maxWaitMs?: number }): Promise<void>;
}

export function bootTimeline(
  report: (step: string, message: string, atMs?: number) => void,
  now: () => number = Date.now,
): BootTimeline {
  const sent = new Set<BootMark>();
  const mark: BootTimeline["mark"] = (m, atMs, detail) => {
    if (sent.has(m)) return;
    sent.add(m);
    report(timelineStep, timelineMessage(m, detail), atMs ?? now());
  };
  return {
    mark,
    async cloudInit(read, opts = {}) {
      const pollMs = opts.pollMs ?? 2000;
      const deadline = now() + (opts.maxWaitMs ?? 15 * 60_000);
      for (;;) {
        const t = await read();
        if (t === null) return; // not a cloud-init boot: nothing to report
        if (t.startMs !== null) mark("cloud-init.start", t.startMs);
        if (t.doneMs !== null) {
          mark("cloud-init.done", t.doneMs);
          return;
        }
        if (now() + pollMs > deadline) return;
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}
