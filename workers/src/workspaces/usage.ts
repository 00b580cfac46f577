import { and, eq, gte } from "drizzle-orm";
import { workspaces } from "../db/schema/index.ts";
import { costSoFar } from "./policy.ts";
import type { LifecycleDeps } from "./reconcile.ts";

export interface MonthlyUsage {
  /** The calendar month (UTC), e.g. "2026-11". */
  month: string;
  /** What this month's workspaces cost so far: billed hours × hourly price. */
  spentEur: number;
  /** MONTHLY_BUDGET_EUR, or null when there is none. */
  budgetEur: number | null;
}

export function monthStart(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** A user's spend this calendar month (UTC), over the workspaces created in it. */
export async function monthlyUsage(deps: LifecycleDeps, ownerId: string): Promise<MonthlyUsage> {
  const now = deps.now();
  const start = monthStart(now);
  const rows = await deps.db
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.ownerId, ownerId), gte(workspaces.createdAt, start)));
  const spent = rows.reduce((sum, ws) => sum + (costSoFar(ws, now)?.eur ?? 0), 0);
  return {
    month: start.toISOString().slice(0, 7),
    spentEur: Math.round(spent * 10_000) / 10_000,
    budgetEur: deps.settings.monthlyBudgetEur,
  };
}
