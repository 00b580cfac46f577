import { type Context, names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";

async function existingBuckets(ctx: Context): Promise<string[]> {
  const { stdout } = await ctx.wrangler.must(ctx.wrangler.command(["r2", "bucket", "list"]));
  // Output is labelled values, one block per bucket: "name:           berth-agents".
  return [...stdout.matchAll(/^\s*name:\s+(\S+)\s*$/gm)].flatMap((m) => (m[1] ? [m[1]] : []));
}

/**
 * The R2 buckets: the agent binaries (`berth-agents`) and the workspace snapshots
 * (`berth-snapshots`, which `wrangler deploy` needs to exist for its SNAPSHOTS binding). Each is
 * reused when it exists, created otherwise.
 */
export const r2Step: Step = {
  name: "r2 bucket",
  async plan(ctx) {
    const existing = await existingBuckets(ctx);
    if (existing.includes(names.bucket)) ctx.bucketExists = true;
    const missing = [names.bucket, names.snapshotBucket].filter((b) => !existing.includes(b));
    if (missing.length === 0) return alreadyDone(`${names.bucket} and ${names.snapshotBucket} exist`);
    return {
      done: false,
      actions: missing.map((bucket) => {
        const create = ctx.wrangler.command(["r2", "bucket", "create", bucket]);
        return {
          describe: ctx.wrangler.show(create),
          run: async () => {
            await ctx.wrangler.must(create);
            if (bucket === names.bucket) ctx.bucketExists = true;
          },
        };
      }),
    };
  },
};
