import type { Step } from "../runner.ts";

/**
 * `wrangler deploy`: the Worker with the dashboard as its static assets. Always run: wrangler
 * uploads only what changed, and a re-run after a pull is how Berth is upgraded.
 */
export const deployStep: Step = {
  name: "worker deploy",
  async plan(ctx) {
    const deploy = ctx.wrangler.command(["deploy"]);
    return {
      done: false,
      actions: [
        {
          describe: ctx.wrangler.show(deploy),
          run: async () => {
            const { stdout } = await ctx.wrangler.must(deploy);
            const urls = stdout.match(/https:\/\/\S+/g);
            if (urls) ctx.log(`  worker deploy: ${[...new Set(urls)].join(" ")}`);
          },
        },
      ],
    };
  },
};
