import { alreadyDone, type Step } from "../runner.ts";

/** The dashboard's static files (pages/dist), which `wrangler deploy` uploads as Workers assets. */
export const dashboardStep: Step = {
  name: "dashboard build",
  async plan(ctx) {
    if (ctx.skipBuild) return alreadyDone("--skip-build: deploying pages/dist as it is");
    return {
      done: false,
      actions: [{ describe: "vite build (pages/ -> pages/dist)", run: () => ctx.builders.dashboard(ctx) }],
    };
  },
};
