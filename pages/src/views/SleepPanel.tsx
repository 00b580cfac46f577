import type { Workspace } from "../api/types.ts";
import { formatAgo, formatDateTime } from "../lib/format.ts";
import { formatBytes, formatMonthlyStorage } from "../lib/sleep.ts";

/** What an asleep workspace keeps, what that costs, and when it goes. */
export function SleepPanel({ ws, now = Date.now() }: { ws: Workspace; now?: number }) {
  const sleep = ws.sleep;
  if (ws.state !== "asleep" || !sleep) return null;
  const snap = sleep.snapshot;
  return (
    <section className="card" aria-labelledby="sleep-heading" data-testid="sleep-panel">
      <h2 id="sleep-heading">Asleep</h2>
      {snap ? (
        <p>
          Its work waits in a snapshot of{" "}
          <strong data-testid="snapshot-size">{formatBytes(snap.size_bytes)}</strong>, taken{" "}
          <span data-testid="snapshot-age">{formatAgo(snap.created_at, now)}</span>
          {snap.kind === "checkpoint" ? " (its newest checkpoint: the VM could not make a final one)" : ""}. A
          wake restores it on a new VM before the terminal opens.
        </p>
      ) : (
        <p className="warning" role="status">
          There is no snapshot: the work since the workspace started was lost. A wake starts from the
          repository.
        </p>
      )}
      <dl className="facts">
        <dt>Storage</dt>
        <dd data-testid="storage-cost">
          {formatBytes(sleep.stored_bytes)} kept, {formatMonthlyStorage(sleep.monthly_storage_eur)}
        </dd>
        <dt>Asleep since</dt>
        <dd>{formatDateTime(sleep.asleep_at)}</dd>
        <dt>Expires</dt>
        <dd data-testid="snapshot-expiry">
          {formatDateTime(sleep.expires_at)} (kept {sleep.retention_days} days)
        </dd>
      </dl>
      {sleep.expires_soon && (
        <p className="warning" role="alert" data-testid="expiry-warning">
          Its snapshot expires on {formatDateTime(sleep.expires_at)}: then the workspace and its work are
          deleted. Wake it before then to keep it.
        </p>
      )}
    </section>
  );
}
