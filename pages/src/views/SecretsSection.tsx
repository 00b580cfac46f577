import { reservedSecretPrefixes, secretNameProblem } from "@berth/protocol/secret-names";
import { type FormEvent, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import { Field } from "../components/Field.tsx";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { formatDateTime } from "../lib/format.ts";
import { usePolled } from "../lib/hooks.ts";

const maxValueBytes = 48 * 1024;

/** Environment variables for every terminal and Claude session of your workspaces. */
export function SecretsSection() {
  const list = usePolled(
    () => api.listSecrets(),
    () => null,
    "",
  );
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [repos, setRepos] = useState("");
  const [errors, setErrors] = useState<{ name?: string; value?: string; repositories?: string }>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    setFailure(null);
    const trimmed = name.trim();
    const invalid = {
      name: secretNameProblem(trimmed) ?? undefined,
      value: new TextEncoder().encode(value).length > maxValueBytes ? "must be at most 48 KB" : undefined,
    };
    setErrors(invalid);
    if (invalid.name || invalid.value) return;
    const repositories = repos
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean);
    setBusy(true);
    try {
      await api.setSecret(trimmed, { value, repositories: repositories.length ? repositories : null });
      setName("");
      setValue("");
      setRepos("");
      setSaved(trimmed);
      await list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.isValidation) {
        setErrors({
          name: err.detailsFor("name")[0],
          value: err.detailsFor("value")[0],
          repositories: err.detailsFor("repositories")[0] ?? err.detailsFor("repositories.0")[0],
        });
        if (!err.details.length) setFailure(err);
      } else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(secret: string) {
    setBusy(true);
    setFailure(null);
    try {
      await api.deleteSecret(secret);
      await list.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  const secrets = list.data?.secrets ?? [];
  return (
    <section className="card" aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">Secrets</h2>
      <p className="small muted">
        Environment variables in every terminal and Claude session of your workspaces (all repositories, or
        the ones you name). Encrypted at rest; never shown again. Names starting with{" "}
        {reservedSecretPrefixes.join(" or ")} are reserved. A change reaches workspaces created after it.
      </p>
      {list.loading && !list.data && <Loading label="Loading your secrets…" />}
      {list.error !== null && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {list.data && (
        <ul className="plain" aria-label="Your secrets" data-testid="secret-list">
          {secrets.length === 0 && <li className="muted">No secrets yet.</li>}
          {secrets.map((s) => (
            <li key={s.name}>
              <span className="mono">{s.name}</span>{" "}
              <span className="muted small">
                {s.repositories ? `for ${s.repositories.join(", ")}` : "for all repositories"} · updated{" "}
                {formatDateTime(s.updated_at)}
              </span>{" "}
              <button
                type="button"
                className="danger small"
                disabled={busy}
                onClick={() => remove(s.name)}
                aria-label={`Delete secret ${s.name}`}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={save} noValidate aria-label="Add or replace a secret">
        <Field id="secret-name" label="Name" error={errors.name}>
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="DATABASE_URL"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field id="secret-value" label="Value" error={errors.value}>
          <textarea rows={2} spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <Field
          id="secret-repos"
          label="Repositories (optional)"
          error={errors.repositories}
          hint="owner/name or URLs, separated by spaces or commas; empty: all repositories"
        >
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={repos}
            onChange={(e) => setRepos(e.target.value)}
          />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save secret
          </button>
          {saved && <span role="status">Saved {saved}.</span>}
        </div>
      </form>
      {failure !== null && <ErrorMessage error={failure} />}
    </section>
  );
}
