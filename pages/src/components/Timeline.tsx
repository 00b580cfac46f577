import { timelineMarkOf } from "@berth/protocol/boot-timeline";
import type { WorkspaceDetail, WorkspaceEvent } from "../api/types.ts";
import { formatTime } from "../lib/format.ts";
import { isStarting } from "../lib/states.ts";

/** The agent's boot progress lines, appended live while the workspace boots. */
export function BootProgress({ ws }: { ws: WorkspaceDetail }) {
  const booting = isStarting(ws.state);
  // The boot timeline's marks are drawn as the boot-time bar, not repeated as lines.
  const progress = ws.progress.filter((p) => timelineMarkOf(p.message) === null);
  if (progress.length === 0 && !booting) return null;
  return (
    <section className="card" aria-labelledby="progress-heading">
      <h2 id="progress-heading">Boot progress</h2>
      {progress.length === 0 ? (
        <p className="muted" role="status">
          Waiting for the VM to report… (this usually takes a minute)
        </p>
      ) : (
        <ol className="log" aria-live="polite" aria-label="Boot progress lines">
          {progress.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: progress lines have no id and are only ever appended
            <li key={`${p.at}-${i}`}>
              <time dateTime={p.at}>{formatTime(p.at)}</time> {p.message}
            </li>
          ))}
        </ol>
      )}
      {booting && progress.length > 0 && <p className="muted small">Still booting…</p>}
    </section>
  );
}

export function Timeline({ events }: { events: WorkspaceEvent[] }) {
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      {events.length === 0 ? (
        <p className="muted">Nothing has happened yet.</p>
      ) : (
        <ol className="timeline">
          {events.map((e) => (
            <li key={e.id} data-type={e.type}>
              <time dateTime={e.at}>{formatTime(e.at)}</time>
              <span className="event-type">{e.type}</span>
              <span className="event-message">{e.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
