import { useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Me } from "../api/types.ts";

export function Header({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await api.signOut();
      window.location.hash = "#/";
      onSignedOut();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  }

  return (
    <header className="topbar">
      <a className="brand" href="#/">
        Berth
      </a>
      <nav aria-label="Main">
        <a href="#/">Workspaces</a>
        <a href="#/tasks">Tasks</a>
        <a href="#/settings">Settings</a>
      </nav>
      <div className="user">
        <span className="user-name" title={me.email}>
          {me.name}
        </span>
        <button type="button" onClick={signOut} disabled={busy}>
          Sign out
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </header>
  );
}
