import { type FormEvent, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { ApiKey, CreatedApiKey } from "../api/types.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Field } from "../components/Field.tsx";
import { Empty, ErrorMessage, Loading } from "../components/Status.tsx";
import { formatAgo, formatDateTime } from "../lib/format.ts";
import { useNow, usePolled } from "../lib/hooks.ts";
import { validateKeyName } from "../lib/validation.ts";

export function ApiKeysSection() {
  const keys = usePolled(
    () => api.listApiKeys(),
    () => null,
    "",
  );
  const now = useNow(60_000);
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setFailure(null);
    const invalid = validateKeyName(name);
    setNameError(invalid);
    if (invalid) return;
    setBusy(true);
    try {
      setCreated(await api.createApiKey(name.trim()));
      setName("");
      await keys.reload();
    } catch (err) {
      if (err instanceof ApiError && err.isValidation) setNameError(err.detailsFor("name")[0] ?? err.message);
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKey) {
    setBusy(true);
    setFailure(null);
    try {
      await api.revokeApiKey(key.id);
      if (created?.id === key.id) setCreated(null);
    } catch (err) {
      setFailure(err);
    } finally {
      setRevoking(null);
      setBusy(false);
      await keys.reload();
    }
  }

  const list = keys.data?.api_keys ?? [];
  return (
    <section className="card" aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <p className="small muted">
        For scripts and curl: send <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <form onSubmit={create} noValidate className="inline-form">
        <Field id="key-name" label="Key name" error={nameError}>
          <input
            type="text"
            autoComplete="off"
            maxLength={64}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setNameError(undefined);
            }}
          />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          Create key
        </button>
      </form>
      {created && (
        <section className="new-key" aria-label="New API key">
          <p>
            <strong>Your new key "{created.name}".</strong> Copy it now: it is shown only once.
          </p>
          <p className="mono secret" data-testid="new-api-key">
            {created.key}
          </p>
          <div className="actions">
            <CopyButton text={created.key} label="Copy key" />
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      )}
      {failure !== null && <ErrorMessage error={failure} />}
      {keys.loading && !keys.data && <Loading label="Loading keys…" />}
      {keys.error !== null && <ErrorMessage error={keys.error} onRetry={keys.reload} />}
      {keys.data && list.length === 0 && (
        <Empty>
          <p>No API keys yet.</p>
        </Empty>
      )}
      {list.length > 0 && (
        <ul className="key-list">
          {list.map((k) => (
            <li key={k.id}>
              <div>
                <strong>{k.name ?? "(unnamed)"}</strong> <span className="mono small">{k.start ?? ""}…</span>
                <p className="small muted">
                  Created {formatDateTime(k.created_at)} · last used {formatAgo(k.last_used_at, now)}
                  {k.expires_at && ` · expires ${formatDateTime(k.expires_at)}`}
                </p>
              </div>
              <button
                type="button"
                onClick={() => setRevoking(k)}
                disabled={busy}
                aria-label={`Revoke ${k.name ?? "key"}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke "${revoking.name ?? "key"}"?`}
          confirmLabel="Revoke"
          busy={busy}
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(null)}
        >
          <p>Scripts using this key stop working at once. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
