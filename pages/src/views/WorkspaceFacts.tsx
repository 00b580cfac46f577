import type { WorkspaceDetail } from "../api/types.ts";
import { serverTypeLabel, serverTypes } from "../lib/catalog.ts";
import { formatDateTime, formatEur, formatHourly } from "../lib/format.ts";

export function WorkspaceFacts({ ws }: { ws: WorkspaceDetail }) {
  const type = serverTypes.find((t) => t.id === ws.server_type);
  return (
    <section className="card" aria-labelledby="facts-heading">
      <h2 id="facts-heading">Details</h2>
      <dl className="facts">
        <dt>Hostname</dt>
        <dd className="mono" data-testid="hostname">
          {ws.hostname}
        </dd>
        <dt>Cost so far</dt>
        <dd>
          <strong data-testid="cost-total">{formatEur(ws.cost.total_eur)}</strong> at{" "}
          {formatHourly(ws.cost.hourly_eur)}
          {ws.cost.billed_hours > 0 && ` (${ws.cost.billed_hours} h billed)`}
        </dd>
        <dt>Repository</dt>
        <dd className="mono break">
          {ws.repo_url}
          {ws.branch ? ` @ ${ws.branch}` : ""}
        </dd>
        <dt>Size</dt>
        <dd>
          {type ? serverTypeLabel(type) : ws.server_type} in {ws.location}
        </dd>
        <dt>Idle timeout</dt>
        <dd>{ws.idle_timeout_minutes} min</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(ws.created_at)}</dd>
        {ws.ready_at && (
          <>
            <dt>Ready</dt>
            <dd>{formatDateTime(ws.ready_at)}</dd>
          </>
        )}
        {ws.ended_at && (
          <>
            <dt>Ended</dt>
            <dd>{formatDateTime(ws.ended_at)}</dd>
          </>
        )}
        {ws.ipv4 && (
          <>
            <dt>IPv4</dt>
            <dd className="mono">{ws.ipv4}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
