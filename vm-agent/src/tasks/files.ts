import { type TaskFileChange, taskLimits } from "@berth/protocol/agent";
import type { TaskGit } from "./git.ts";
import type { EventDraft } from "./stream.ts";
import { cut } from "./summary.ts";

/**
 * Watches the working tree during a turn: after each tool, what changed against HEAD since the last
 * look becomes one files_changed event (nothing when nothing changed).
 */
export class FileWatcher {
  private known = new Map<string, TaskFileChange["change"]>();
  private readonly git: TaskGit;

  constructor(git: TaskGit) {
    this.git = git;
  }

  /** Takes the tree as it is, before the turn. */
  async start(): Promise<void> {
    this.known = await this.git.changes();
  }

  async check(): Promise<EventDraft | null> {
    const now = await this.git.changes();
    const changed = [...now].filter(([path, change]) => this.known.get(path) !== change);
    this.known = now;
    if (changed.length === 0) return null;
    const files = changed
      .slice(0, taskLimits.eventFiles)
      .map(([path, change]) => ({ path: cut(path, 1000), change }));
    const names = changed.map(([path, change]) => `${path} (${change})`).join(", ");
    const text = `${changed.length} file${changed.length === 1 ? "" : "s"} changed: ${names}`;
    return { kind: "files_changed", text: cut(text, taskLimits.eventTextChars), files };
  }
}
