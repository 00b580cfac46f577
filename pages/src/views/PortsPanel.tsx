import { useState } from "react";
import { api } from "../api/instance.ts";
import type { WorkspacePort } from "../api/types.ts";
import { ErrorMessage } from "../components/Status.tsx";
import { formatDateTime } from "../lib/format.ts";
import { usePolled } from "../lib/hooks.ts";

/** Ports listening in the workspace, live (every 3 s), with their URLs and a private/public switch. */
export function PortsPanel({ id }: { id: string }) {
  const ports = usePolled(
    () => api.workspacePorts(id),
    () => 3000,
    id,
  );
  const [busy, setBusy] = useState<number | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  async function toggle(p: WorkspacePort) {
    setBusy(p.port);
    setFailure(null);
    try {
      await api.setPortVisibility(id, p.port, p.visibility === "public" ? "private" : "public");
      await ports.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(null);
    }
  }

  /** A private port opens with a one-time token, exchanged there for that port's own login. */
  async function open(p: WorkspacePort, e: MouseEvent) {
    if (p.visibility === "public") return;
    e.preventDefault();
    const tab = window.open("about:blank", "_blank");
    try {
      const { token } = await api.terminalToken(id);
      const url = `${p.url}/?token=${encodeURIComponent(token)}`;
      if (tab) tab.location.href = url;
      else window.location.href = url;
    } catch (err) {
      tab?.close();
      setFailure(err);
    }
  }

  const list = ports.data?.ports ?? [];
  return (
    <section className="card" aria-labelledby="ports-heading">
      <h2 id="ports-heading">Ports</h2>
      <p className="small muted">
        Servers listening in the workspace. Private: only you (opened from here). Public: anyone with the URL.
      </p>
      {ports.error !== null && <ErrorMessage error={ports.error} onRetry={ports.reload} />}
      <ul className="plain" aria-label="Listening ports" data-testid="port-list">
        {ports.data && list.length === 0 && <li className="muted">Nothing is listening yet.</li>}
        {list.map((p) => (
          <li key={p.port} data-testid={`port-${p.port}`}>
            <a
              href={p.url}
              target="_blank"
              rel="noreferrer"
              className="mono"
              onClick={(e) => open(p, e.nativeEvent)}
            >
              {p.port}
            </a>{" "}
            <span className="muted small">
              {p.process ?? "unknown process"}
              {p.first_seen_at && ` · since ${formatDateTime(p.first_seen_at)}`}
            </span>{" "}
            <span data-testid={`port-${p.port}-visibility`}>{p.visibility}</span>{" "}
            <button
              type="button"
              className="small"
              disabled={busy === p.port}
              aria-label={`Make port ${p.port} ${p.visibility === "public" ? "private" : "public"}`}
              onClick={() => toggle(p)}
            >
              {p.visibility === "public" ? "Make private" : "Make public"}
            </button>
          </li>
        ))}
      </ul>
      {failure !== null && <ErrorMessage error={failure} />}
    </section>
  );
}
