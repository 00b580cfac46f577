/**
 * The boot timeline: the agent reports each milestone of a VM's boot as a progress line with step
 * `timeline`, the message starting with the mark's name, and `at` the time it happened on the VM
 * (e.g. cloud-init's own start time, read after the fact). The control plane stores them as any
 * progress line ("[timeline] cloud-init.start cloud-init started"); the dashboard draws the bar.
 */
export const timelineStep = "timeline";

export const bootMarks = [
  "cloud-init.start",
  "cloud-init.done",
  "agent.start",
  "clone.done",
  "devcontainer.done",
  "terminal.ready",
] as const;
export type BootMark = (typeof bootMarks)[number];

const texts: Record<BootMark, string> = {
  "cloud-init.start": "cloud-init started",
  "cloud-init.done": "cloud-init finished",
  "agent.start": "berth-agent started",
  "clone.done": "repository cloned",
  "devcontainer.done": "devcontainer up",
  "terminal.ready": "terminal ready",
};

/** The progress message for a mark (the body's `step` is `timelineStep`). */
export function timelineMessage(mark: BootMark, detail?: string): string {
  return `${mark} ${texts[mark]}${detail ? ` (${detail})` : ""}`;
}

/** The mark a stored progress message ("[timeline] <mark> …") carries, or null for any other line. */
export function timelineMarkOf(message: string): BootMark | null {
  const m = /^\[timeline\] (\S+)/.exec(message);
  const mark = m?.[1];
  return mark !== undefined && (bootMarks as readonly string[]).includes(mark) ? (mark as BootMark) : null;
}

export interface BootPhase {
  /** What the time went to, for people. */
  label: string;
  startMs: number;
  endMs: number;
}

/** Each phase ends at its mark; phases follow one another (cloud-init.done overlaps and is not one). */
const phaseEnds: Array<[BootMark, string]> = [
  ["cloud-init.start", "server create + boot"],
  ["agent.start", "cloud-init"],
  ["clone.done", "agent + clone"],
  ["devcontainer.done", "devcontainer up"],
  ["terminal.ready", "terminal"],
];

/**
 * The phases of a boot from the workspace's creation to its terminal, from its progress lines. The
 * first report of each mark counts (an agent restart reports again). A missing mark merges its
 * phase into the next one, so the bar always adds up to the time that passed.
 */
export function bootPhases(createdAt: string, progress: Array<{ at: string; message: string }>): BootPhase[] {
  const at = new Map<BootMark, number>();
  for (const p of progress) {
    const mark = timelineMarkOf(p.message);
    const t = Date.parse(p.at);
    if (mark && !at.has(mark) && Number.isFinite(t)) at.set(mark, t);
  }
  const phases: BootPhase[] = [];
  let start = Date.parse(createdAt);
  let pending: string[] = [];
  for (const [mark, label] of phaseEnds) {
    pending.push(label);
    const end = at.get(mark);
    if (end === undefined) continue;
    const endMs = Math.max(start, end);
    phases.push({ label: pending.join(" + "), startMs: start, endMs });
    start = endMs;
    pending = [];
  }
  return phases;
}

/** cloud-init's own duration, when both its marks arrived. */
export function cloudInitSeconds(progress: Array<{ at: string; message: string }>): number | null {
  let s: number | undefined;
  let e: number | undefined;
  for (const p of progress) {
    const mark = timelineMarkOf(p.message);
    if (mark === "cloud-init.start" && s === undefined) s = Date.parse(p.at);
    if (mark === "cloud-init.done" && e === undefined) e = Date.parse(p.at);
  }
  return s !== undefined && e !== undefined && e >= s ? (e - s) / 1000 : null;
}
