import { readFile, writeFile } from "node:fs/promises";
import { names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";
import {
  addBucket,
  customDomainLine,
  getDatabaseId,
  getRoutesLine,
  getVar,
  hasBucket,
  setCustomDomain,
  setDatabaseId,
  setVar,
} from "../toml.ts";

/**
 * wrangler.toml: the D1 database id, the settings ([vars]), the AGENTS bucket binding, and the
 * custom domain that serves BERTH_PUBLIC_URL (none for a workers.dev URL).
 */
export const configStep: Step = {
  name: "wrangler.toml",
  async plan(ctx) {
    const before = await readFile(ctx.configPath, "utf8");
    let text = before;
    const changes: string[] = [];

    if (ctx.databaseId === null) {
      changes.push("database_id = <id of the new D1 database>");
    } else if (getDatabaseId(text, names.database) !== ctx.databaseId) {
      text = setDatabaseId(text, names.database, ctx.databaseId);
      changes.push(`database_id = ${ctx.databaseId}`);
    }
    for (const [key, value] of Object.entries(ctx.vars)) {
      if (getVar(text, key) === value) continue;
      text = setVar(text, key, value);
      changes.push(`${key} = ${JSON.stringify(value)}`);
    }
    if (!hasBucket(text, names.bucketBinding, names.bucket)) {
      text = addBucket(text, names.bucketBinding, names.bucket);
      changes.push(`[[r2_buckets]] ${names.bucketBinding} -> ${names.bucket}`);
    }
    const publicUrl = ctx.vars.BERTH_PUBLIC_URL;
    if (publicUrl) {
      const host = new URL(publicUrl).hostname;
      if (!host.endsWith(".workers.dev") && getRoutesLine(text) !== customDomainLine(host)) {
        text = setCustomDomain(text, host);
        changes.push(`custom domain ${host}`);
      }
    }

    if (changes.length === 0) return alreadyDone(`${ctx.configPath} is up to date`);
    return {
      done: false,
      detail: changes.join(", "),
      actions: [
        {
          describe: `write ${ctx.configPath}: ${changes.join(", ")}`,
          run: async () => {
            if (ctx.databaseId === null) throw new Error("no D1 database id to write");
            await writeFile(ctx.configPath, text);
          },
        },
      ],
    };
  },
};
