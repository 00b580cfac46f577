import { type FormEvent, useState } from "react";
import { api } from "../api/instance.ts";
import type { PullRequest, WorkspaceDetail, WorkspaceGit } from "../api/types.ts";
import { Field } from "../components/Field.tsx";
import { ErrorMessage } from "../components/Status.tsx";

type OpenPullRequest = (id: string, input: { title: string; body?: string }) => Promise<PullRequest>;

/**
 * The workspace's repository on GitHub: branch and push status as the agent reports them, the
 * GitHub App's access, and "Open pull request" once there are pushed commits to propose.
 */
export function GitPanel({
  ws,
  openPullRequest = api.createPullRequest,
  onOpened,
}: {
  ws: WorkspaceDetail;
  openPullRequest?: OpenPullRequest;
  onOpened?: () => void;
}) {
  const [formOpen, setFormOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [opened, setOpened] = useState<WorkspaceGit["pull_request"]>(null);

  if (!ws.github_repository) return null;
  const { git } = ws;
  const ahead = git.ahead ?? 0;
  const pr = opened ?? git.pull_request;
  // One pull request per branch from here: a new branch (or new commits) needs no second one.
  const prForThisBranch = pr !== null && pr.branch === git.branch;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const made = await openPullRequest(ws.id, {
        title: title.trim() || (git.branch ?? ""),
        ...(body.trim() ? { body } : {}),
      });
      setOpened({ ...made, branch: git.branch });
      setFormOpen(false);
      onOpened?.();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="git-heading">
      <h2 id="git-heading">Git</h2>
      {git.access_revoked && (
        <p className="error-box" role="alert" data-testid="github-revoked">
          The GitHub App no longer has access to {ws.github_repository} (uninstalled or suspended): git push,
          fetch and pull requests fail until it is installed on the repository again.
        </p>
      )}
      <dl className="facts">
        <dt>Repository</dt>
        <dd className="mono">{ws.github_repository}</dd>
        <dt>Branch</dt>
        <dd className="mono" data-testid="git-branch">
          {git.branch ?? (git.reported_at ? "(detached HEAD)" : "not reported yet")}
        </dd>
        {git.reported_at && (
          <>
            <dt>Status</dt>
            <dd data-testid="git-status">
              {ahead === 0
                ? "nothing ahead of the default branch"
                : `${ahead} commit${ahead === 1 ? "" : "s"} ahead of the default branch`}
              {git.pushed === false ? ", not pushed" : git.pushed ? ", pushed" : ""}
            </dd>
          </>
        )}
        {pr && (
          <>
            <dt>Pull request</dt>
            <dd>
              <a href={pr.url} target="_blank" rel="noopener noreferrer" data-testid="pull-request-link">
                #{pr.number}
              </a>
            </dd>
          </>
        )}
      </dl>
      {ahead > 0 && git.pushed === false && (
        <p className="notice" role="status" data-testid="push-first">
          Push first: {git.branch ?? "this branch"} has commits GitHub does not have yet (
          <code>git push -u origin {git.branch ?? "HEAD"}</code>), then open a pull request.
        </p>
      )}
      {ahead > 0 && git.pushed === true && !formOpen && !prForThisBranch && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => setFormOpen(true)}>
            Open pull request
          </button>
        </div>
      )}
      {formOpen && (
        <form onSubmit={submit} noValidate aria-label="Open pull request">
          <Field
            id="pr-title"
            label="Title"
            hint={`From ${git.branch ?? "this branch"} into the default branch.`}
          >
            <input
              type="text"
              maxLength={256}
              value={title}
              placeholder={git.branch ?? ""}
              onChange={(e) => setTitle(e.target.value)}
            />
          </Field>
          <Field id="pr-body" label="Description" hint="Optional.">
            <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
          </Field>
          {failure !== null && <ErrorMessage error={failure} />}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Create pull request
            </button>
            <button type="button" onClick={() => setFormOpen(false)} disabled={busy}>
              Cancel
            </button>
            {busy && <span role="status">Opening…</span>}
          </div>
        </form>
      )}
    </section>
  );
}
