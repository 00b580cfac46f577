import type { WorkspaceState } from "../api/types.ts";
import { isChanging, stateLabels } from "../lib/states.ts";

export function StateBadge({ state }: { state: WorkspaceState }) {
  return (
    <span className={`badge badge-${state}`} data-state={state}>
      {isChanging(state) && <span className="spinner" aria-hidden="true" />}
      {stateLabels[state]}
    </span>
  );
}
