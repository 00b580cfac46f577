import { writeFile } from "node:fs/promises";
import { type Arch, type Context, names } from "../context.ts";
import { alreadyDone, type Step } from "../runner.ts";

const archs: Arch[] = ["x64", "arm64"];

/** Builds berth-agent for both architectures (or, with --skip-build, takes the binaries as they are). */
export const agentBuildStep: Step = {
  name: "agent build",
  async plan(ctx) {
    if (ctx.skipBuild) {
      ctx.agents = await ctx.builders.agents(ctx);
      return alreadyDone(`--skip-build: ${ctx.agents.map((a) => `${a.arch} sha256 ${a.sha256}`).join(", ")}`);
    }
    return {
      done: false,
      actions: [
        {
          describe: "bun run scripts/build.ts --compress (vm-agent: berth-agent-linux-x64.xz and -arm64.xz)",
          run: async () => {
            ctx.agents = await ctx.builders.agents(ctx);
            for (const a of ctx.agents) ctx.log(`  agent build: ${a.arch} sha256 ${a.sha256}`);
          },
        },
      ],
    };
  },
};

/** The published SHA-256 of an agent in the bucket, or null when there is none (or no bucket yet). */
async function publishedSha(ctx: Context, file: string): Promise<string | null> {
  if (!ctx.bucketExists) return null;
  const get = ctx.wrangler.command([
    "r2",
    "object",
    "get",
    `${names.bucket}/${file}.sha256`,
    "--remote",
    "--pipe",
  ]);
  const result = await ctx.wrangler.run(get);
  if (result.code !== 0) return null;
  const hash = result.stdout.trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(hash) ? hash : null;
}

/**
 * Uploads each binary and then its `<name>.sha256` (binary first, so a published hash never points
 * at a missing binary). An architecture whose published hash already matches is skipped.
 */
export const agentUploadStep: Step = {
  name: "agent upload",
  async plan(ctx) {
    if (ctx.agents.length === 0) {
      // Dry run without --skip-build: nothing is built, so every object would be uploaded.
      return {
        done: false,
        actions: archs.flatMap((arch) => {
          const file = names.agentFiles[arch];
          return [`${file}`, `${file}.sha256`].map((key) => ({
            describe: ctx.wrangler.show(
              ctx.wrangler.command([
                "r2",
                "object",
                "put",
                `${names.bucket}/${key}`,
                "--file",
                `<built ${key}>`,
                "--remote",
              ]),
            ),
            run: async () => {},
          }));
        }),
      };
    }
    const actions = [];
    const same: string[] = [];
    for (const agent of ctx.agents) {
      const file = names.agentFiles[agent.arch];
      if ((await publishedSha(ctx, file)) === agent.sha256) {
        same.push(agent.arch);
        continue;
      }
      const shaPath = `${agent.path}.sha256`;
      const putBinary = ctx.wrangler.command([
        "r2",
        "object",
        "put",
        `${names.bucket}/${file}`,
        "--file",
        agent.path,
        "--content-type",
        "application/x-xz",
        "--remote",
      ]);
      const putSha = ctx.wrangler.command([
        "r2",
        "object",
        "put",
        `${names.bucket}/${file}.sha256`,
        "--file",
        shaPath,
        "--content-type",
        "text/plain",
        "--remote",
      ]);
      actions.push(
        {
          describe: ctx.wrangler.show(putBinary),
          run: async () => void (await ctx.wrangler.must(putBinary)),
        },
        {
          describe: ctx.wrangler.show(putSha),
          run: async () => {
            await writeFile(shaPath, `${agent.sha256}\n`);
            await ctx.wrangler.must(putSha);
          },
        },
      );
    }
    if (actions.length === 0) return alreadyDone(`published binaries match (${same.join(", ")})`);
    return {
      done: false,
      ...(same.length > 0 ? { detail: `${same.join(", ")} already current` } : {}),
      actions,
    };
  },
};
