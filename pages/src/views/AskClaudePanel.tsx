import { type FormEvent, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Task } from "../api/types.ts";

/**
 * "Ask Claude (headless)": a prompt that runs beside the terminal, in a new Claude session, in the
 * working tree as it is (no branch switch, commit or push). It is followed on its task page.
 */
export function AskClaudePanel({ workspaceId }: { workspaceId: string }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Task | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!text.trim()) {
      setError("Write the prompt first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setSent(await api.sendWorkspacePrompt(workspaceId, text));
      setText("");
    } catch (err) {
      // A 409 says why: another prompt still runs, or the workspace is not ready.
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="ask-claude-heading">
      <h2 id="ask-claude-heading">Ask Claude (headless)</h2>
      <form onSubmit={submit} noValidate>
        <div className={`field${error ? " field-invalid" : ""}`}>
          <label htmlFor="ask-claude">Prompt</label>
          <textarea
            id="ask-claude"
            rows={3}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (error) setError(null);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "ask-claude-error" : "ask-claude-hint"}
          />
          {error ? (
            <p className="field-error" id="ask-claude-error" role="alert">
              {error}
            </p>
          ) : (
            <p className="hint" id="ask-claude-hint">
              Runs in a new Claude session beside your terminal, in the files as they are: no branch switch,
              no commit, no push.
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Sending…" : "Ask"}
          </button>
        </div>
      </form>
      {sent && (
        <p role="status">
          Sent. <a href={`#/t/${sent.id}`}>Follow it on its task page</a>.
        </p>
      )}
    </section>
  );
}
