import { names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";

/** D1 migrations, applied to the remote database (only the ones not applied yet). */
export const migrationsStep: Step = {
  name: "d1 migrations",
  async plan(ctx) {
    const apply = ctx.wrangler.command(["d1", "migrations", "apply", names.database, "--remote"]);
    const action = {
      describe: ctx.wrangler.show(apply),
      run: async () => void (await ctx.wrangler.must(apply)),
    };
    // In a dry run the database (or its id in wrangler.toml) may not exist yet: nothing to ask.
    if (ctx.databaseId === null) return { done: false, actions: [action] };
    const list = await ctx.wrangler.run(
      ctx.wrangler.command(["d1", "migrations", "list", names.database, "--remote"]),
    );
    if (list.code === 0 && /No migrations to apply/i.test(list.stdout + list.stderr)) {
      return alreadyDone("no migrations to apply");
    }
    return { done: false, actions: [action] };
  },
};
