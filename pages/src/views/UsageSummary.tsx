import { api } from "../api/instance.ts";
import type { Usage } from "../api/types.ts";
import { formatEur } from "../lib/format.ts";
import { usePolled } from "../lib/hooks.ts";

/** "€1.20 of €20.00 this month": what this month's workspaces cost against the budget. */
export function UsageLine({ usage }: { usage: Usage }) {
  const spent = formatEur(usage.spent_eur);
  if (usage.budget_eur === null) {
    return (
      <p className="small muted">
        Spent this month ({usage.month}): {spent}. No monthly budget is set.
      </p>
    );
  }
  const share = usage.budget_eur > 0 ? Math.min(1, usage.spent_eur / usage.budget_eur) : 1;
  const exhausted = usage.spent_eur >= usage.budget_eur;
  return (
    <div className="usage">
      <p className="small">
        Spent this month ({usage.month}): <strong>{spent}</strong> of your {formatEur(usage.budget_eur)}{" "}
        budget
        {exhausted ? " — used up: new workspaces are refused until next month." : "."}
      </p>
      <meter min={0} max={1} value={share} high={0.8} optimum={0} aria-label="Budget used" />
    </div>
  );
}

export function UsageSummary() {
  const usage = usePolled(
    () => api.usage(),
    () => 60_000,
    "usage",
  );
  return usage.data ? <UsageLine usage={usage.data} /> : null;
}
