import { useEffect, useState } from "react";
import { api } from "../api/instance.ts";
import type { NotificationPreferences } from "../api/types.ts";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { usePolled } from "../lib/hooks.ts";
import {
  currentSubscription,
  pushSupported,
  subscribeThisDevice,
  unsubscribeThisDevice,
} from "../lib/push.ts";

const kinds: Array<{ key: keyof NotificationPreferences; label: string }> = [
  { key: "task_finished", label: "A task finished" },
  { key: "task_failed", label: "A task failed" },
  { key: "claude_waiting", label: "Claude is waiting for you (a permission prompt)" },
];

/** "enabled" = this browser holds a subscription; Berth has it unless the person removed it elsewhere. */
type DeviceState = "checking" | "unsupported" | "off" | "enabled";

function useDeviceState(): [DeviceState, (s: DeviceState) => void] {
  const [state, setState] = useState<DeviceState>(pushSupported() ? "checking" : "unsupported");
  useEffect(() => {
    if (!pushSupported()) return;
    let live = true;
    currentSubscription()
      .then((s) => live && setState(s ? "enabled" : "off"))
      .catch(() => live && setState("off"));
    return () => {
      live = false;
    };
  }, []);
  return [state, setState];
}

/** Web Push: this device on or off, which kinds, and a test notification. */
export function NotificationsSection() {
  const prefs = usePolled(
    () => api.notificationPreferences(),
    () => null,
    "notification-preferences",
  );
  const [device, setDevice] = useDeviceState();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  // What the person just chose, shown at once while it is saved (null: what the server said).
  const [chosen, setChosen] = useState<NotificationPreferences | null>(null);
  const shown = chosen ?? prefs.data ?? null;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setFailure(null);
    setNote(null);
    try {
      await action();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  const enable = () =>
    run(async () => {
      const subscription = await subscribeThisDevice(await api.pushPublicKey());
      await api.subscribePush(subscription);
      setDevice("enabled");
    });

  const disable = () =>
    run(async () => {
      const endpoint = await unsubscribeThisDevice();
      setDevice("off");
      // Berth may already have forgotten it (the push service said it was gone): that is fine.
      if (endpoint) await api.unsubscribePush(endpoint).catch(() => {});
    });

  async function toggle(key: keyof NotificationPreferences, on: boolean) {
    if (!shown) return;
    const next = { ...shown, [key]: on };
    setChosen(next);
    setFailure(null);
    try {
      setChosen(await api.setNotificationPreferences(next));
    } catch (err) {
      setChosen(shown); // back to what was saved before this click
      setFailure(err);
    }
  }

  const sendTest = () =>
    run(async () => {
      const r = await api.sendTestPush();
      setNote(
        r.subscriptions === 0
          ? "No device is subscribed yet: turn notifications on first."
          : `Sent to ${r.delivered} of ${r.subscriptions} device(s)${r.removed ? `; ${r.removed} no longer subscribed, removed` : ""}.`,
      );
    });

  return (
    <section className="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">Notifications</h2>
      <p className="small muted">
        Push notifications reach this device even with Berth closed: when a task finishes or fails, and when
        Claude waits for your answer in a workspace.
      </p>
      {device === "unsupported" && (
        <p data-testid="push-device">This browser cannot receive push notifications.</p>
      )}
      {device === "checking" && <Loading label="Checking this device…" />}
      {device === "off" && (
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void enable()}>
            Turn on for this device
          </button>
        </div>
      )}
      {device === "enabled" && (
        <div className="actions">
          <span data-testid="push-device">On for this device.</span>
          <button type="button" disabled={busy} onClick={() => void disable()}>
            Turn off for this device
          </button>
          <button type="button" disabled={busy} onClick={() => void sendTest()}>
            Send a test
          </button>
        </div>
      )}
      {note && <p role="status">{note}</p>}
      {failure !== null && <ErrorMessage error={failure} />}
      {prefs.error !== null && <ErrorMessage error={prefs.error} onRetry={prefs.reload} />}
      {shown && (
        <fieldset className="notification-kinds">
          <legend>Notify me when</legend>
          {kinds.map(({ key, label }) => (
            <label key={key} className="toggle">
              <input
                type="checkbox"
                name={key}
                checked={shown[key]}
                onChange={(e) => void toggle(key, e.target.checked)}
              />
              {label}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
