import { useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { WorkspaceDetail } from "../api/types.ts";
import { isEnded } from "../lib/states.ts";

const openTerminalsKeep = "Terminals already open keep the values they started with.";

/**
 * Secrets changed while the workspace runs: the owner restarts its environment, the agent fetches
 * them at its next heartbeat, and from then on new terminals (and Claude started in them) get them.
 * A running process's environment cannot change from outside, so open terminals keep theirs.
 */
export function EnvironmentNotice({ ws, onChanged }: { ws: WorkspaceDetail; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (isEnded(ws.state)) return null;
  const { restart } = ws.environment;

  async function restartEnvironment() {
    setBusy(true);
    setError(null);
    try {
      await api.restartEnvironment(ws.id);
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (restart === "pending") {
    return (
      <p className="notice" role="status" data-testid="environment-restarting">
        Restarting the environment: the agent fetches your current secrets (within a minute).
      </p>
    );
  }
  if (ws.secrets_changed_since_start) {
    return (
      <div className="notice" role="status" data-testid="secrets-changed">
        <p>
          Secrets changed since this workspace got them: its terminals have the older values.
          {ws.state === "ready"
            ? " Restart its environment and new terminals get the current ones. "
            : " A new workspace gets the new ones. "}
          {ws.state === "ready" && openTerminalsKeep}
        </p>
        {ws.state === "ready" && (
          <button type="button" onClick={restartEnvironment} disabled={busy}>
            {busy ? "Restarting…" : "Restart environment"}
          </button>
        )}
        {error && (
          <p className="error-box" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  }
  if (restart === "applied") {
    return (
      <p className="notice" role="status" data-testid="environment-restarted">
        Environment restarted: new terminals get the updated secrets. {openTerminalsKeep}
      </p>
    );
  }
  return null;
}
