import { useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import type { Repository, RepositoryPage } from "../api/types.ts";

/** GET /api/repositories, as the create form asks it (injected, so tests need no network). */
export type RepositorySearch = (
  query: { q?: string; cursor?: string | null },
  signal?: AbortSignal,
) => Promise<RepositoryPage>;

/** Text that is already a URL is not a search: the field takes any https git URL as it is. */
export const looksLikeUrl = (text: string) => /^(https?|ssh|git):\/\/|^[\w.-]+@[\w.-]+:/.test(text.trim());

interface PickerState {
  items: Repository[];
  next: string | null;
  loading: boolean;
  error: unknown;
}

/**
 * The repositories the person reaches through the GitHub App, searched by what they type in the
 * Repository URL field. Choosing one fills the field with its URL; typing a URL skips the search.
 */
export function RepositoryPicker({
  text,
  active,
  search,
  onPick,
  debounceMs = 250,
}: {
  text: string;
  /** Only once the field was focused: a visit to the page alone asks GitHub nothing. */
  active: boolean;
  search: RepositorySearch;
  onPick: (repo: Repository) => void;
  debounceMs?: number;
}) {
  const [state, setState] = useState<PickerState>({ items: [], next: null, loading: false, error: null });
  const q = looksLikeUrl(text) ? null : text.trim();

  useEffect(() => {
    if (!active || q === null) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setState((s) => ({ ...s, loading: true, error: null }));
      search(q ? { q } : {}, abort.signal).then(
        (page) => setState({ items: page.repositories, next: page.next_cursor, loading: false, error: null }),
        (error: unknown) => {
          if (!abort.signal.aborted) setState({ items: [], next: null, loading: false, error });
        },
      );
    }, debounceMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [active, q, search, debounceMs]);

  async function more() {
    if (!state.next || q === null) return;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await search({ ...(q ? { q } : {}), cursor: state.next });
      setState((s) => ({
        items: [...s.items, ...page.repositories],
        next: page.next_cursor,
        loading: false,
        error: null,
      }));
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  }

  if (!active || q === null) return null;
  return (
    <div className="repo-picker" data-testid="repo-picker">
      {state.error !== null && (
        <p className="hint" role="status">
          Your GitHub repositories could not be listed ({describeError(state.error)}). Any https git URL still
          works.
        </p>
      )}
      {state.items.length > 0 && (
        <ul aria-label="Your GitHub repositories" className="repo-list">
          {state.items.map((repo) => (
            <li key={`${repo.installation_id}:${repo.full_name}`}>
              <button type="button" className="link" onClick={() => onPick(repo)}>
                <span className="mono">{repo.full_name}</span>
                {repo.private && <span className="badge">private</span>}
                <span className="muted"> · {repo.default_branch}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {!state.loading && state.error === null && state.items.length === 0 && (
        <p className="hint">
          {q
            ? `No repository of yours matches “${q}”.`
            : "No repositories yet: install the GitHub App on some."}
        </p>
      )}
      {state.loading && <p className="hint">Loading repositories…</p>}
      {state.next && !state.loading && (
        <button type="button" className="link" onClick={more}>
          More repositories
        </button>
      )}
    </div>
  );
}
