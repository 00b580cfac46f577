/** The step runner: each step looks first (read-only), then acts only when something is not right. */
import type { Context } from "./context.ts";

export interface Action {
  /** What will be done, as printed by --dry-run (a command with secrets redacted, or a sentence). */
  describe: string;
  run: () => Promise<void>;
}

export type Plan = { done: true; detail?: string } | { done: false; actions: Action[]; detail?: string };

export interface Step {
  name: string;
  plan: (ctx: Context) => Promise<Plan>;
}

export const alreadyDone = (detail?: string): Plan => (detail ? { done: true, detail } : { done: true });

export interface Outcome {
  step: string;
  status: "already done" | "done" | "dry-run";
}

export async function runSteps(steps: Step[], ctx: Context): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    const plan = await step.plan(ctx);
    const detail = plan.detail ? ` (${plan.detail})` : "";
    if (plan.done) {
      ctx.log(`✓ ${step.name}: already done${detail}`);
      outcomes.push({ step: step.name, status: "already done" });
      continue;
    }
    if (ctx.dryRun) {
      for (const action of plan.actions) {
        const verb = /^(wrangler|bun|vite) /.test(action.describe) ? "run " : "";
        ctx.log(`[dry-run] ${step.name}: would ${verb}${action.describe}`);
      }
      outcomes.push({ step: step.name, status: "dry-run" });
      continue;
    }
    for (const action of plan.actions) {
      ctx.log(`  ${step.name}: ${action.describe}`);
      await action.run();
    }
    ctx.log(`→ ${step.name}: done${detail}`);
    outcomes.push({ step: step.name, status: "done" });
  }
  return outcomes;
}
