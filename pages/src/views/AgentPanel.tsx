import { useEffect, useRef, useState } from "react";
import type { WorkspaceDetail } from "../api/types.ts";
import { formatAgo, formatCountdown, msUntil } from "../lib/format.ts";
import { useNow } from "../lib/hooks.ts";
import {
  type NotificationPermissionState,
  notificationPermission,
  notify,
  requestNotificationPermission,
} from "../lib/notifications.ts";
import { claudeStatusText } from "../lib/states.ts";

/** Claude's state, the idle countdown, and browser notifications when either needs the person. */
export function AgentPanel({ ws }: { ws: WorkspaceDetail }) {
  const { agent } = ws;
  const now = useNow(1000);
  const [permission, setPermission] = useState<NotificationPermissionState>(notificationPermission);
  const waiting = agent.claude_state === "waiting";
  const claudeText = claudeStatusText(agent.claude_state, agent.claude_waiting_reason);
  const left = agent.idle_warning ? msUntil(agent.idle_shutdown_at, now) : null;

  // Notify on the transitions only, not for whatever was already true when the page opened.
  const seen = useRef({ waiting, warning: agent.idle_warning });
  useEffect(() => {
    if (waiting && !seen.current.waiting) {
      notify(
        `${ws.name}: Claude is waiting for you`,
        claudeText ?? "Claude needs your input.",
        `claude-waiting-${ws.id}`,
      );
    }
    if (agent.idle_warning && !seen.current.warning) {
      notify(
        `${ws.name} is going to sleep soon`,
        "It has been idle. Its work is saved, then its VM is switched off. Type in its terminal to keep it up.",
        `idle-${ws.id}`,
      );
    }
    seen.current = { waiting, warning: agent.idle_warning };
  }, [waiting, agent.idle_warning, claudeText, ws.id, ws.name]);

  return (
    <section className="card" aria-labelledby="agent-heading">
      <h2 id="agent-heading">Activity</h2>
      {claudeText ? (
        <p
          className={`claude ${waiting ? "claude-waiting" : ""}`}
          role="status"
          data-claude-state={agent.claude_state}
        >
          {claudeText}
        </p>
      ) : (
        <p className="muted">No word from Claude yet.</p>
      )}
      {agent.idle_warning && (
        <div className="warning" role="alert">
          <p>
            <strong>Idle: this workspace is going to sleep.</strong>{" "}
            {left !== null ? (
              <>
                Its work is saved and its VM switched off in{" "}
                <span role="timer" aria-live="off" data-testid="idle-countdown">
                  {formatCountdown(left)}
                </span>
                .
              </>
            ) : (
              "Its work is saved and its VM switched off in a moment."
            )}
          </p>
          <p>Type in its terminal to keep it up. Wake it any time later.</p>
        </div>
      )}
      <p className="small muted">
        Last input {formatAgo(agent.last_human_input_at, now)} · heartbeat{" "}
        {formatAgo(agent.last_heartbeat_at, now)}
        {agent.open_terminals !== null && ` · ${agent.open_terminals} terminal(s) open`}
      </p>
      {permission === "default" && (
        <button type="button" onClick={async () => setPermission(await requestNotificationPermission())}>
          Enable notifications
        </button>
      )}
      {permission === "denied" && (
        <p className="small muted">Notifications are blocked for this site in your browser settings.</p>
      )}
    </section>
  );
}
