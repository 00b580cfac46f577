/**
 * `pnpm build:image [--dry-run]`: makes the Berth VM image (images/berth-vm/) a Hetzner snapshot,
 * unless one built from the same recipe exists. See docs/vm-image.md.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { deploymentIdPattern } from "../../protocol/src/workspace.ts";
import { type BuildResult, buildImage } from "./image/build.ts";
import { hetznerImageBuildApi, type ImageBuildApi } from "./image/hetzner.ts";
import { readRecipe } from "./image/recipe.ts";

const usage = `pnpm build:image [options]

Builds the Berth VM image from images/berth-vm/ as a Hetzner snapshot labelled berth.image=vm,
berth.recipe=<hash>, berth.deployment=<id>. Does nothing when that recipe's image exists.

  --dry-run                 print the plan; make no change (reads only)
  --deployment-id NAME      DEPLOYMENT_ID (or $DEPLOYMENT_ID; default prod)
  --arch x86|arm            default x86
  --base-image NAME         Hetzner image to install on (default ubuntu-24.04)
  --server-type NAME        default cx23 (x86) or cax11 (arm)
  --location NAME           default fsn1
  --recipe DIR              default images/berth-vm
  --timeout-minutes N       how long the install may take (default 30)

Environment: HETZNER_TOKEN (required), HETZNER_API_URL (default https://api.hetzner.cloud/v1).`;

export interface BuildImageCommand {
  argv: string[];
  env?: Record<string, string | undefined>;
  root?: string;
  log?: (line: string) => void;
  /** Tests: poll faster than a real build needs. */
  pollMs?: number;
  api?: ImageBuildApi;
}

export async function buildImageCommand(cmd: BuildImageCommand): Promise<BuildResult> {
  const env = cmd.env ?? process.env;
  const log = cmd.log ?? ((l: string) => console.log(l));
  const { values } = parseArgs({
    args: cmd.argv,
    options: {
      "dry-run": { type: "boolean", default: false },
      "deployment-id": { type: "string" },
      arch: { type: "string", default: "x86" },
      "base-image": { type: "string", default: "ubuntu-24.04" },
      "server-type": { type: "string" },
      location: { type: "string", default: "fsn1" },
      recipe: { type: "string" },
      "timeout-minutes": { type: "string", default: "30" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    log(usage);
    return { status: "dry-run" };
  }
  const deployment = values["deployment-id"] ?? env.DEPLOYMENT_ID ?? "prod";
  if (!deploymentIdPattern.test(deployment)) throw new Error(`invalid deployment id '${deployment}'`);
  const architecture = values.arch;
  if (architecture !== "x86" && architecture !== "arm") throw new Error("--arch must be x86 or arm");
  const minutes = Number(values["timeout-minutes"]);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error("--timeout-minutes must be a positive number");
  const token = env.HETZNER_TOKEN;
  if (!token && !cmd.api) throw new Error("HETZNER_TOKEN is not set (a Read & Write token of the project)");
  const root = cmd.root ?? path.resolve(import.meta.dirname, "../..");
  const recipe = await readRecipe(path.resolve(root, values.recipe ?? "images/berth-vm"));
  const api =
    cmd.api ??
    hetznerImageBuildApi({
      baseUrl: env.HETZNER_API_URL ?? "https://api.hetzner.cloud/v1",
      token: token ?? "",
    });
  const pollMs = cmd.pollMs ?? 5_000;
  return buildImage(api, {
    recipe,
    deployment,
    architecture,
    baseImage: values["base-image"],
    serverType: values["server-type"] ?? (architecture === "arm" ? "cax11" : "cx23"),
    location: values.location,
    dryRun: values["dry-run"],
    installTimeoutMs: minutes * 60_000,
    imageTimeoutMs: 30 * 60_000,
    pollMs,
    maxPollMs: Math.max(pollMs, cmd.pollMs === undefined ? 30_000 : pollMs * 4),
    log,
  });
}

if (import.meta.main) {
  try {
    await buildImageCommand({ argv: process.argv.slice(2) });
  } catch (e) {
    console.error(`build:image: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
