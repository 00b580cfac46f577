import { type FormEvent, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import { Field } from "../components/Field.tsx";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { usePolled } from "../lib/hooks.ts";

/** Who commits in workspaces: the GitHub noreply address, or a verified email of the person's. */
export function CommitIdentitySection() {
  const me = usePolled(
    () => api.gitIdentity(),
    () => null,
    "commit-identity",
  );
  const [email, setEmail] = useState("");
  const [fieldError, setFieldError] = useState<string>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const identity = me.data ?? null;

  async function choose(value: string | null) {
    setBusy(true);
    setFailure(null);
    setFieldError(undefined);
    try {
      await api.setGitIdentity(value);
      setEmail("");
      await me.reload();
    } catch (err) {
      if (err instanceof ApiError && err.isValidation)
        setFieldError(err.detailsFor("email")[0] ?? err.message);
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  function save(e: FormEvent) {
    e.preventDefault();
    if (email.trim()) void choose(email.trim());
  }

  return (
    <section className="card" aria-labelledby="identity-heading">
      <h2 id="identity-heading">Commit identity</h2>
      {!me.data && me.error === null && <Loading label="Loading…" />}
      {me.error !== null && <ErrorMessage error={me.error} onRetry={me.reload} />}
      {identity && (
        <>
          <p>
            Commits in new workspaces are authored as <strong>{identity.name}</strong> &lt;
            <span className="mono" data-testid="commit-email">
              {identity.email}
            </span>
            &gt;{identity.chosen_email ? "" : " (your GitHub noreply address)"}.
          </p>
          <form onSubmit={save} noValidate>
            <Field
              id="commit-email"
              label="Use another verified email"
              error={fieldError}
              hint="One of the verified emails on your GitHub account."
            >
              <input
                type="email"
                autoComplete="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </Field>
            {failure !== null && <ErrorMessage error={failure} />}
            <div className="actions">
              <button type="submit" className="primary" disabled={busy || !email.trim()}>
                Use this email
              </button>
              {identity.chosen_email && (
                <button type="button" disabled={busy} onClick={() => void choose(null)}>
                  Back to the noreply address
                </button>
              )}
            </div>
          </form>
        </>
      )}
    </section>
  );
}
