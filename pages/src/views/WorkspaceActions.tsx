import { useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { WorkspaceDetail } from "../api/types.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { canStop } from "../lib/states.ts";

type Pending = "terminal" | "stop" | "delete" | null;

export function WorkspaceActions({ ws, onChanged }: { ws: WorkspaceDetail; onChanged: () => void }) {
  const [pending, setPending] = useState<Pending>(null);
  const [confirm, setConfirm] = useState<"stop" | "delete" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [blockedUrl, setBlockedUrl] = useState<string | null>(null);
  const ready = ws.state === "ready";

  async function openTerminal() {
    setPending("terminal");
    setError(null);
    setBlockedUrl(null);
    try {
      const { url } = await api.terminalToken(ws.id);
      const tab = window.open(url, "_blank");
      if (tab) {
        try {
          tab.opener = null;
        } catch {
          // Already cross-origin: nothing to clear.
        }
      } else {
        setBlockedUrl(url);
      }
    } catch (e) {
      setError(describeError(e));
    } finally {
      setPending(null);
    }
  }

  async function run(action: "stop" | "delete") {
    setPending(action);
    setError(null);
    try {
      if (action === "stop") await api.stopWorkspace(ws.id);
      else await api.deleteWorkspace(ws.id);
      setConfirm(null);
      onChanged();
    } catch (e) {
      setConfirm(null);
      setError(describeError(e));
    } finally {
      setPending(null);
    }
  }

  return (
    <div className="ws-actions">
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={openTerminal}
          disabled={!ready || pending !== null}
          aria-describedby={ready ? undefined : "terminal-why"}
        >
          Open terminal
        </button>
        <button
          type="button"
          onClick={() => setConfirm("stop")}
          disabled={!canStop(ws.state) || pending !== null}
        >
          Stop
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => setConfirm("delete")}
          disabled={pending !== null}
        >
          Delete
        </button>
      </div>
      {!ready && (
        <p id="terminal-why" className="small muted">
          The terminal opens once the workspace is ready.
        </p>
      )}
      {pending === "terminal" && <p role="status">Opening the terminal…</p>}
      {blockedUrl && (
        <p role="status">
          Your browser blocked the new tab.{" "}
          <a href={blockedUrl} target="_blank" rel="noopener noreferrer">
            Open the terminal
          </a>{" "}
          (the link works for 60 seconds).
        </p>
      )}
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {confirm === "stop" && (
        <ConfirmDialog
          title="Stop this workspace?"
          confirmLabel="Stop"
          busy={pending === "stop"}
          onConfirm={() => run("stop")}
          onCancel={() => setConfirm(null)}
        >
          <p>Its VM and hostname are deleted; anything not pushed is lost. It stays in your list as ended.</p>
        </ConfirmDialog>
      )}
      {confirm === "delete" && (
        <ConfirmDialog
          title="Delete this workspace?"
          confirmLabel="Delete"
          busy={pending === "delete"}
          onConfirm={() => run("delete")}
          onCancel={() => setConfirm(null)}
        >
          <p>
            Its VM and hostname are deleted, anything not pushed is lost, and it disappears from your list.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
