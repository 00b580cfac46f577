import { type Context, names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";

interface D1Listing {
  name: string;
  uuid: string;
}

async function findDatabase(ctx: Context): Promise<D1Listing | undefined> {
  const { stdout } = await ctx.wrangler.must(ctx.wrangler.command(["d1", "list", "--json"]));
  let listing: unknown;
  try {
    listing = JSON.parse(stdout.slice(stdout.indexOf("[")));
  } catch {
    throw new Error(`could not read \`wrangler d1 list --json\` output:\n${stdout.slice(0, 500)}`);
  }
  return (listing as D1Listing[]).find((db) => db.name === names.database);
}

/** The D1 database `berth`: reused when it exists, created otherwise. */
export const d1Step: Step = {
  name: "d1 database",
  async plan(ctx) {
    const found = await findDatabase(ctx);
    if (found) {
      ctx.databaseId = found.uuid;
      return alreadyDone(`${names.database} exists, id ${found.uuid}`);
    }
    const create = ctx.wrangler.command(["d1", "create", names.database]);
    return {
      done: false,
      actions: [
        {
          describe: ctx.wrangler.show(create),
          run: async () => {
            await ctx.wrangler.must(create);
            const created = await findDatabase(ctx);
            if (!created) throw new Error(`created D1 database ${names.database} but it is not listed`);
            ctx.databaseId = created.uuid;
          },
        },
      ],
    };
  },
};
