import { type Context, names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";

async function bucketExists(ctx: Context): Promise<boolean> {
  const { stdout } = await ctx.wrangler.must(ctx.wrangler.command(["r2", "bucket", "list"]));
  // Output is labelled values, one block per bucket: "name:           berth-agents".
  return [...stdout.matchAll(/^\s*name:\s+(\S+)\s*$/gm)].some((m) => m[1] === names.bucket);
}

/** The R2 bucket holding the agent binaries: reused when it exists, created otherwise. */
export const r2Step: Step = {
  name: "r2 bucket",
  async plan(ctx) {
    if (await bucketExists(ctx)) {
      ctx.bucketExists = true;
      return alreadyDone(`${names.bucket} exists`);
    }
    const create = ctx.wrangler.command(["r2", "bucket", "create", names.bucket]);
    return {
      done: false,
      actions: [
        {
          describe: ctx.wrangler.show(create),
          run: async () => {
            await ctx.wrangler.must(create);
            ctx.bucketExists = true;
          },
        },
      ],
    };
  },
};
