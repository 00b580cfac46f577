import { type BootPhase, bootPhases, cloudInitSeconds } from "@berth/protocol/boot-timeline";
import type { WorkspaceDetail } from "../api/types.ts";

const seconds = (p: BootPhase) => (p.endMs - p.startMs) / 1000;
const shown = (s: number) => `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;

/**
 * Where the boot's time went: one horizontal bar from the workspace's creation to its terminal,
 * a segment per phase (from the agent's `timeline` progress lines), each with its duration.
 */
export function BootBar({ ws }: { ws: WorkspaceDetail }) {
  const phases = bootPhases(ws.created_at, ws.progress);
  if (phases.length === 0) return null;
  const first = phases[0] as BootPhase;
  const total = ((phases.at(-1) as BootPhase).endMs - first.startMs) / 1000;
  const ci = cloudInitSeconds(ws.progress);
  const done = ws.progress.some((p) => p.message.startsWith("[timeline] terminal.ready"));
  return (
    <section className="card" aria-labelledby="bootbar-heading">
      <h2 id="bootbar-heading">Boot time</h2>
      <p className="small">
        {done ? "Terminal ready" : "So far"}: <strong>{shown(total)}</strong> after creating
        {ci !== null && <> · cloud-init ran {shown(ci)}</>}
      </p>
      <div
        className="bootbar"
        role="img"
        aria-label={phases.map((p) => `${p.label} ${shown(seconds(p))}`).join(", ")}
      >
        {phases.map((p) => (
          <div
            key={p.label}
            className="bootbar-phase"
            data-phase={p.label}
            style={{ flexGrow: Math.max(seconds(p), total / 100) }}
            title={`${p.label}: ${shown(seconds(p))}`}
          />
        ))}
      </div>
      <ol className="bootbar-legend">
        {phases.map((p) => (
          <li key={p.label} data-phase={p.label}>
            <span className="bootbar-swatch" aria-hidden="true" /> {p.label}{" "}
            <strong>{shown(seconds(p))}</strong>
          </li>
        ))}
      </ol>
    </section>
  );
}
