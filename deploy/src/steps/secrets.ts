import { allSecrets } from "../inputs.ts";
import { alreadyDone, type Step } from "../runner.ts";

/** Worker secrets: only the ones not set yet, each value on stdin (never in argv or output). */
export const secretsStep: Step = {
  name: "secrets",
  async plan(ctx) {
    if (ctx.secrets.size === 0) return alreadyDone(`all ${allSecrets.length} are set`);
    const actions = [...ctx.secrets].map(([name, secret]) => {
      const put = ctx.wrangler.command(["secret", "put", name], secret);
      return { describe: ctx.wrangler.show(put), run: async () => void (await ctx.wrangler.must(put)) };
    });
    const kept = allSecrets.filter((n) => ctx.existingSecrets.has(n));
    return {
      done: false,
      detail: kept.length > 0 ? `kept ${kept.join(", ")}` : `set ${ctx.secrets.size}`,
      actions,
    };
  },
};
