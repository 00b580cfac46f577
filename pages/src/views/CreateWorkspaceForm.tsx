import { type FormEvent, useCallback, useRef, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Workspace } from "../api/types.ts";
import { Field } from "../components/Field.tsx";
import { ErrorMessage } from "../components/Status.tsx";
import {
  defaultLocation,
  defaultServerType,
  serverTypes as knownServerTypes,
  locations,
  type ServerType,
  serverTypeLabel,
} from "../lib/catalog.ts";
import {
  type CreateField,
  type CreateForm,
  type FieldErrors,
  idleTimeoutBounds,
  mapServerDetails,
  toCreateInput,
  validateCreateForm,
} from "../lib/validation.ts";
import { RepositoryPicker, type RepositorySearch } from "./RepositoryPicker.tsx";

const emptyForm: CreateForm = {
  repoUrl: "",
  branch: "",
  name: "",
  serverType: defaultServerType,
  location: defaultLocation,
  idleTimeout: "",
};

export function CreateWorkspaceForm({
  onCreated,
  serverTypes = knownServerTypes,
  repositories,
}: {
  onCreated: (ws: Workspace) => void;
  /** What Hetzner sells now (GET /api/server-types); a built-in list until it answers. */
  serverTypes?: readonly ServerType[];
  /** GET /api/repositories for the picker; without it the field is a plain URL field. */
  repositories?: RepositorySearch;
}) {
  const [form, setForm] = useState<CreateForm>(emptyForm);
  const [errors, setErrors] = useState<FieldErrors<CreateField>>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [repoFieldUsed, setRepoFieldUsed] = useState(false);
  // One key per set of values: a double click or a retry of the same request makes one workspace.
  const idempotency = useRef<{ key: string; body: string } | null>(null);

  const set = (field: CreateField) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [field]: e.target.value }));
    if (errors[field]) setErrors((errs) => ({ ...errs, [field]: undefined }));
  };

  const pick = useCallback((repo: { repo_url: string }) => {
    setForm((f) => ({ ...f, repoUrl: repo.repo_url }));
    setErrors((errs) => ({ ...errs, repoUrl: undefined }));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const clientErrors = validateCreateForm(form);
    setErrors(clientErrors);
    setOtherErrors([]);
    setFailure(null);
    if (Object.keys(clientErrors).length > 0) return;
    const input = toCreateInput(form);
    const body = JSON.stringify(input);
    if (idempotency.current?.body !== body) idempotency.current = { key: crypto.randomUUID(), body };
    setBusy(true);
    try {
      const ws = await api.createWorkspace(input, idempotency.current.key);
      idempotency.current = null;
      setForm(emptyForm);
      onCreated(ws);
    } catch (err) {
      if (err instanceof ApiError && err.isAppNotInstalled) {
        // Not a typo to fix in the field: the App must be installed first (the same request then works).
        setFailure(err);
      } else if (err instanceof ApiError && err.isValidation && err.details.length > 0) {
        const mapped = mapServerDetails(err.details);
        setErrors(mapped.fields);
        setOtherErrors(mapped.other);
        // The server refused these values; a corrected submit is a new request.
        idempotency.current = null;
      } else {
        setFailure(err);
      }
    } finally {
      setBusy(false);
    }
  }

  const limitReached = failure instanceof ApiError && failure.isLimitReached;
  const notInstalled = failure instanceof ApiError && failure.isAppNotInstalled ? failure : null;

  return (
    <section className="card" aria-labelledby="create-heading">
      <h2 id="create-heading">New workspace</h2>
      <form onSubmit={submit} noValidate>
        <Field
          id="repo-url"
          label="Repository URL"
          error={errors.repoUrl}
          hint={
            repositories
              ? "Type to search your GitHub repositories, or paste any https:// git URL (no credentials)."
              : "https://, ssh:// or git@host:path — no credentials in the URL."
          }
        >
          <input
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://github.com/you/repo.git"
            value={form.repoUrl}
            onChange={set("repoUrl")}
            onFocus={() => setRepoFieldUsed(true)}
            required
          />
        </Field>
        {repositories && (
          <RepositoryPicker text={form.repoUrl} active={repoFieldUsed} search={repositories} onPick={pick} />
        )}
        <div className="grid">
          <Field id="branch" label="Branch" error={errors.branch} hint="Empty: the default branch.">
            <input
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={form.branch}
              onChange={set("branch")}
            />
          </Field>
          <Field id="ws-name" label="Name" error={errors.name} hint="Optional.">
            <input type="text" autoComplete="off" maxLength={64} value={form.name} onChange={set("name")} />
          </Field>
          <Field id="server-type" label="Size" error={errors.serverType}>
            <select value={form.serverType} onChange={set("serverType")}>
              {serverTypes.map((t) => (
                <option key={t.id} value={t.id}>
                  {serverTypeLabel(t)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="location" label="Location" error={errors.location}>
            <select value={form.location} onChange={set("location")}>
              {locations.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="idle-timeout"
            label="Idle timeout (minutes)"
            error={errors.idleTimeout}
            hint={`${idleTimeoutBounds.min}–${idleTimeoutBounds.max}; empty: the default.`}
          >
            <input
              type="text"
              inputMode="numeric"
              autoComplete="off"
              placeholder="30"
              value={form.idleTimeout}
              onChange={set("idleTimeout")}
            />
          </Field>
        </div>
        {otherErrors.length > 0 && (
          <ul className="error-box" role="alert">
            {otherErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        {limitReached && (
          <div className="error-box" role="alert">
            <p>
              <strong>Workspace limit reached.</strong> {(failure as ApiError).message}
            </p>
            <p>Stop or delete a workspace you no longer need, then try again.</p>
          </div>
        )}
        {notInstalled && (
          <div className="error-box" role="alert" data-testid="app-not-installed">
            <p>
              <strong>The GitHub App is not installed on this repository.</strong> {notInstalled.message}
            </p>
            {notInstalled.link && (
              <p>
                <a href={notInstalled.link} target="_blank" rel="noopener noreferrer">
                  Install the GitHub App
                </a>
                , then create the workspace again.
              </p>
            )}
          </div>
        )}
        {failure !== null && !limitReached && !notInstalled && <ErrorMessage error={failure} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create workspace
          </button>
          {busy && <span role="status">Creating…</span>}
        </div>
      </form>
    </section>
  );
}
