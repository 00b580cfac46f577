import { useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { WorkspaceDetail } from "../api/types.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { whatDeleteLoses } from "../lib/sleep.ts";
import { canDelete, canStop, canWake } from "../lib/states.ts";

type Pending = "terminal" | "stop" | "wake" | "delete" | null;

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

  // A ready workspace's stop is a sleep: its work is saved first, and a wake brings it back.
  const sleeps = ws.state === "ready";

  async function run(action: "stop" | "wake" | "delete") {
    setPending(action);
    setError(null);
    try {
      if (action === "stop") await api.stopWorkspace(ws.id);
      else if (action === "wake") await api.wakeWorkspace(ws.id);
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
        {canWake(ws.state) ? (
          <button type="button" className="primary" onClick={() => run("wake")} disabled={pending !== null}>
            {pending === "wake" ? "Waking…" : "Wake"}
          </button>
        ) : (
          <button
            type="button"
            onClick={() => setConfirm("stop")}
            disabled={!canStop(ws.state) || pending !== null}
          >
            {sleeps || !canStop(ws.state) ? "Sleep" : "Stop"}
          </button>
        )}
        <button
          type="button"
          className="danger"
          onClick={() => setConfirm("delete")}
          disabled={!canDelete(ws.state) || pending !== null}
        >
          Delete
        </button>
      </div>
      {!ready && (
        <p id="terminal-why" className="small muted">
          {ws.state === "asleep"
            ? "The terminal opens once the workspace is awake again."
            : "The terminal opens once the workspace is ready."}
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
      {confirm === "stop" && sleeps && (
        <ConfirmDialog
          title="Put this workspace to sleep?"
          confirmLabel="Sleep"
          busy={pending === "stop"}
          onConfirm={() => run("stop")}
          onCancel={() => setConfirm(null)}
        >
          <p>
            Its work (uncommitted changes, unpushed commits, stashes, Claude's conversation, shell history) is
            saved in an encrypted snapshot, then its VM is deleted. Wake it any time; while asleep it costs
            only storage (about €0.014 per GB a month).
          </p>
        </ConfirmDialog>
      )}
      {confirm === "stop" && !sleeps && (
        <ConfirmDialog
          title="Stop this workspace?"
          confirmLabel="Stop"
          busy={pending === "stop"}
          onConfirm={() => run("stop")}
          onCancel={() => setConfirm(null)}
        >
          <p>
            It is still starting: its VM and hostname are deleted (a wake goes back to sleep, its snapshot
            kept).
          </p>
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
          <p data-testid="delete-loses">{whatDeleteLoses(ws)}</p>
          <p>This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
