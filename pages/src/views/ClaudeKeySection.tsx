import { type FormEvent, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { Field } from "../components/Field.tsx";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { formatDateTime } from "../lib/format.ts";
import { usePolled } from "../lib/hooks.ts";
import { validateClaudeKey } from "../lib/validation.ts";

export function ClaudeKeySection() {
  const status = usePolled(
    () => api.credentials(),
    () => null,
    "",
  );
  const [key, setKey] = useState("");
  const [fieldError, setFieldError] = useState<string>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const claude = status.data?.claude;

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    setFailure(null);
    const invalid = validateClaudeKey(key);
    setFieldError(invalid);
    if (invalid) return;
    setBusy(true);
    try {
      await api.setClaudeKey(key.trim());
      setKey("");
      setSaved(true);
      await status.reload();
    } catch (err) {
      if (err instanceof ApiError && err.isValidation)
        setFieldError(err.detailsFor("api_key")[0] ?? err.message);
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setFailure(null);
    try {
      await api.clearClaudeKey();
      setSaved(false);
      setConfirmRemove(false);
      await status.reload();
    } catch (err) {
      setConfirmRemove(false);
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="claude-heading">
      <h2 id="claude-heading">Claude API key</h2>
      <p className="small muted">
        Your Anthropic key, encrypted at rest and handed only to your own workspaces. It is never shown again.
      </p>
      {status.loading && !status.data && <Loading label="Checking your key…" />}
      {status.error !== null && <ErrorMessage error={status.error} onRetry={status.reload} />}
      {claude && (
        <p data-testid="claude-key-status" role="status">
          {claude.set ? (
            <>
              Set: <span className="mono">sk-ant-…{claude.last4}</span>
              {claude.updated_at && (
                <span className="muted small"> (updated {formatDateTime(claude.updated_at)})</span>
              )}
            </>
          ) : (
            "Not set: workspaces start without a key, and Claude will ask you to log in."
          )}
        </p>
      )}
      <form onSubmit={save} noValidate>
        <Field id="claude-key" label="Claude API key" error={fieldError}>
          {/* A password input has no ARIA role of its own; role="textbox" lets tests find it as one. */}
          {/* biome-ignore lint/a11y/useSemanticElements: it must stay a masked password input */}
          <input
            type="password"
            role="textbox"
            autoComplete="off"
            spellCheck={false}
            placeholder={claude?.set ? "Paste a new key to replace it" : "sk-ant-..."}
            value={key}
            onChange={(e) => {
              setKey(e.target.value);
              setFieldError(undefined);
              setSaved(false);
            }}
          />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save key
          </button>
          {claude?.set && (
            <button type="button" className="danger" onClick={() => setConfirmRemove(true)} disabled={busy}>
              Remove key
            </button>
          )}
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
      {failure !== null && <ErrorMessage error={failure} />}
      {confirmRemove && (
        <ConfirmDialog
          title="Remove your Claude API key?"
          confirmLabel="Remove"
          busy={busy}
          onConfirm={remove}
          onCancel={() => setConfirmRemove(false)}
        >
          <p>New workspaces will start without it. Running ones keep the key they already have.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
