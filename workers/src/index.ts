import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { sweep } from "./reconciler/sweep.ts";
import { configProblems } from "./routes/health.ts";
import { lifecycleDeps } from "./workspaces/deps.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Every minute: the reconciler sweep (orphans, deadlines, missed heartbeats, retries). */
  async scheduled(_controller, env, ctx) {
    // A broken configuration would only make every step fail; /api/health says what to fix.
    if (configProblems(env).length > 0) return;
    ctx.waitUntil(
      sweep(lifecycleDeps(env)).then((report) => {
        if (report.errors.length > 0) console.warn("sweep finished with errors", report.errors.length);
      }),
    );
  },
} satisfies ExportedHandler<Env>;
