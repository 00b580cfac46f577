import { type FormEvent, useCallback, useRef, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Task } from "../api/types.ts";
import { Field } from "../components/Field.tsx";
import { ErrorMessage } from "../components/Status.tsx";
import {
  defaultServerType,
  serverTypes as knownServerTypes,
  type ServerType,
  serverTypeLabel,
} from "../lib/catalog.ts";
import {
  mapTaskDetails,
  maxMinutesBounds,
  type TaskField,
  type TaskForm,
  toCreateTaskInput,
  validateTaskForm,
} from "../lib/tasks.ts";
import type { FieldErrors } from "../lib/validation.ts";
import { RepositoryPicker, type RepositorySearch } from "./RepositoryPicker.tsx";

const emptyForm: TaskForm = {
  repo: "",
  prompt: "",
  baseBranch: "",
  serverType: defaultServerType,
  maxMinutes: "",
  whenDone: "sleep",
};

export function NewTaskForm({
  onCreated,
  serverTypes = knownServerTypes,
  repositories,
}: {
  onCreated: (task: Task) => void;
  serverTypes?: readonly ServerType[];
  repositories?: RepositorySearch;
}) {
  const [form, setForm] = useState<TaskForm>(emptyForm);
  const [errors, setErrors] = useState<FieldErrors<TaskField>>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [repoFieldUsed, setRepoFieldUsed] = useState(false);
  // One key per set of values: a double tap or a retry of the same request makes one task.
  const idempotency = useRef<{ key: string; body: string } | null>(null);

  const set = (field: TaskField) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [field]: e.target.value }));
    if (errors[field]) setErrors((errs) => ({ ...errs, [field]: undefined }));
  };
  // owner/name: what the API takes for a GitHub repository, and shorter to read than its URL.
  const pick = useCallback((repo: { full_name: string }) => {
    setForm((f) => ({ ...f, repo: repo.full_name }));
    setErrors((errs) => ({ ...errs, repo: undefined }));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const clientErrors = validateTaskForm(form);
    setErrors(clientErrors);
    setOtherErrors([]);
    setFailure(null);
    if (Object.keys(clientErrors).length > 0) return;
    const input = toCreateTaskInput(form);
    const body = JSON.stringify(input);
    if (idempotency.current?.body !== body) idempotency.current = { key: crypto.randomUUID(), body };
    setBusy(true);
    try {
      const task = await api.createTask(input, idempotency.current.key);
      idempotency.current = null;
      setForm(emptyForm);
      onCreated(task);
    } catch (err) {
      if (err instanceof ApiError && err.isValidation && !err.isAppNotInstalled && err.details.length > 0) {
        const mapped = mapTaskDetails(err.details);
        setErrors(mapped.fields);
        setOtherErrors(mapped.other);
        idempotency.current = null;
      } else {
        setFailure(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card task-form" aria-labelledby="new-task-heading">
      <h2 id="new-task-heading">New task</h2>
      <form onSubmit={submit} noValidate>
        <Field
          id="task-repo"
          label="Repository"
          error={errors.repo}
          hint="Type to search your GitHub repositories, or enter owner/name or a git URL."
        >
          <input
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="you/repo"
            value={form.repo}
            onChange={set("repo")}
            onFocus={() => setRepoFieldUsed(true)}
          />
        </Field>
        {repositories && (
          <RepositoryPicker text={form.repo} active={repoFieldUsed} search={repositories} onPick={pick} />
        )}
        <Field id="task-prompt" label="What should Claude do?" error={errors.prompt}>
          <textarea
            rows={5}
            value={form.prompt}
            onChange={set("prompt")}
            placeholder="Fix the flaky test in ci.yml"
          />
        </Field>
        <div className="grid">
          <Field
            id="task-base"
            label="Base branch"
            error={errors.baseBranch}
            hint="Empty: the default branch."
          >
            <input
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={form.baseBranch}
              onChange={set("baseBranch")}
            />
          </Field>
          <Field id="task-size" label="Size" error={errors.serverType}>
            <select value={form.serverType} onChange={set("serverType")}>
              {serverTypes.map((t) => (
                <option key={t.id} value={t.id}>
                  {serverTypeLabel(t)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="task-minutes"
            label="Max minutes"
            error={errors.maxMinutes}
            hint={`${maxMinutesBounds.min}–${maxMinutesBounds.max} a turn; empty: ${maxMinutesBounds.default}.`}
          >
            <input
              type="text"
              inputMode="numeric"
              autoComplete="off"
              placeholder={String(maxMinutesBounds.default)}
              value={form.maxMinutes}
              onChange={set("maxMinutes")}
            />
          </Field>
          <Field id="task-when-done" label="When done" error={errors.whenDone}>
            <select value={form.whenDone} onChange={set("whenDone")}>
              <option value="sleep">Sleep (keep a snapshot)</option>
              <option value="delete">Delete the workspace</option>
            </select>
          </Field>
        </div>
        <SubmitErrors other={otherErrors} failure={failure} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Start task
          </button>
          {busy && <span role="status">Starting…</span>}
        </div>
      </form>
    </section>
  );
}

/** What the API refused that no field shows: general details, the App's install link, or the error. */
function SubmitErrors({ other, failure }: { other: string[]; failure: unknown }) {
  const notInstalled = failure instanceof ApiError && failure.isAppNotInstalled ? failure : null;
  return (
    <>
      {other.length > 0 && (
        <ul className="error-box" role="alert">
          {other.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
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
              , then start the task again.
            </p>
          )}
        </div>
      )}
      {failure !== null && !notInstalled && <ErrorMessage error={failure} />}
    </>
  );
}
