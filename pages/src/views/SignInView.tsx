import { useState } from "react";
import { api } from "../api/instance.ts";
import { ErrorMessage } from "../components/Status.tsx";

export function SignInView() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function signIn() {
    setBusy(true);
    setError(null);
    try {
      const { url } = await api.signIn(`${window.location.origin}/`);
      if (!url) throw new Error("The sign-in service did not say where to go next.");
      window.location.assign(url);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return (
    <main className="page signin">
      <h1>Berth</h1>
      <p className="lead">
        Cloud workspaces for Claude Code that switch themselves off when nobody is using them.
      </p>
      <button type="button" className="primary big" onClick={signIn} disabled={busy}>
        Sign in with GitHub
      </button>
      {busy && <p role="status">Taking you to GitHub…</p>}
      {error !== null && <ErrorMessage error={error} />}
    </main>
  );
}
