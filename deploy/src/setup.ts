/**
 * `pnpm run setup:cloudflare [--dry-run]`: takes a clone to a running Berth on your Cloudflare
 * account. Every step looks before it acts, so re-running changes nothing that is already right.
 * See docs/self-hosting.md.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { realBuilders } from "./builders.ts";
import type { Builders, Context } from "./context.ts";
import { allSecrets, type Prompter, resolveInputs, terminalPrompter, varInputs } from "./inputs.ts";
import { runSteps, type Step } from "./runner.ts";
import { agentBuildStep, agentUploadStep } from "./steps/agents.ts";
import { configStep } from "./steps/config.ts";
import { d1Step } from "./steps/d1.ts";
import { dashboardStep } from "./steps/dashboard.ts";
import { deployStep } from "./steps/deploy.ts";
import { migrationsStep } from "./steps/migrations.ts";
import { r2Step } from "./steps/r2.ts";
import { secretsStep } from "./steps/secrets.ts";
import { Wrangler, which } from "./wrangler.ts";

export const steps: Step[] = [
  d1Step,
  r2Step,
  configStep,
  migrationsStep,
  secretsStep,
  agentBuildStep,
  agentUploadStep,
  dashboardStep,
  deployStep,
];

const usage = `pnpm run setup:cloudflare [options]

Creates or reuses the D1 database and R2 bucket, writes wrangler.toml, applies migrations, sets
the Worker's secrets, publishes the agent binaries, builds the dashboard and deploys the Worker.

  --dry-run                 print every step it would take; change nothing
  --public-url URL          BERTH_PUBLIC_URL        (or $BERTH_PUBLIC_URL)
  --workspace-domain HOST   WORKSPACE_DOMAIN        (or $WORKSPACE_DOMAIN)
  --deployment-id NAME      DEPLOYMENT_ID           (or $DEPLOYMENT_ID; default prod)
  --zone-id ID              CLOUDFLARE_ZONE_ID      (or $CLOUDFLARE_ZONE_ID)
  --github-client-id ID     GITHUB_CLIENT_ID        (or $GITHUB_CLIENT_ID): the GitHub App's client id
  --github-app-id ID        GITHUB_APP_ID           (or $GITHUB_APP_ID)
  --github-app-slug NAME    GITHUB_APP_SLUG         (or $GITHUB_APP_SLUG)
  --non-interactive         never prompt; fail if an input is missing (default when stdin is not a TTY)
  --config PATH             wrangler.toml to use and update (default: the repository's)
  --skip-build              use the agent binaries in --agent-dir and pages/dist as they are
  --agent-dir DIR           where the agent binaries are (default vm-agent/dist)

Secrets it cannot generate come from the environment or a hidden prompt: GITHUB_CLIENT_SECRET,
HETZNER_TOKEN, BERTH_CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_TOKEN); GITHUB_APP_PRIVATE_KEY from
$GITHUB_APP_PRIVATE_KEY_FILE (or the path asked for; GitHub's .pem as it is). ENCRYPTION_KEY,
TERMINAL_SIGNING_KEY and BETTER_AUTH_SECRET are generated once and never rotated by a re-run.`;

/** Names of the secrets the Worker already has; none when the Worker does not exist yet. */
async function existingSecrets(wrangler: Wrangler): Promise<Set<string>> {
  const result = await wrangler.run(wrangler.command(["secret", "list", "--format", "json"]));
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code !== 0) {
    if (/10007|not found|does not exist/i.test(output)) return new Set();
    throw new Error(
      `\`wrangler secret list\` failed (exit ${result.code}); is wrangler logged in (\`wrangler login\`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID)?\n${output.trim().split("\n").slice(-10).join("\n")}`,
    );
  }
  const start = result.stdout.indexOf("[");
  const listed = start >= 0 ? (JSON.parse(result.stdout.slice(start)) as Array<{ name: string }>) : [];
  return new Set(listed.map((s) => s.name));
}

export interface SetupOptions {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  root?: string;
  builders?: Builders;
  prompter?: Prompter | null;
  log?: (line: string) => void;
}

export async function setup(options: SetupOptions): Promise<number> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const { values } = parseArgs({
    args: options.argv,
    options: {
      "dry-run": { type: "boolean", default: false },
      "non-interactive": { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
      config: { type: "string" },
      "agent-dir": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      ...Object.fromEntries(varInputs.map((v) => [v.flag, { type: "string" as const }])),
    },
    strict: true,
  });
  if (values.help) {
    log(usage);
    return 0;
  }
  const root = options.root ?? path.resolve(import.meta.dirname, "../..");
  const configPath = path.resolve(String(values.config ?? path.join(root, "wrangler.toml")));
  if (!existsSync(configPath)) throw new Error(`no wrangler config at ${configPath}`);
  const dryRun = values["dry-run"] === true;

  const executable = which("wrangler", env.PATH) ?? path.join(root, "workers/node_modules/.bin/wrangler");
  if (!existsSync(executable)) throw new Error("wrangler not found on PATH nor in workers/node_modules/.bin");
  const wrangler = new Wrangler({ executable, cwd: path.dirname(configPath), configPath, env });

  log(`${dryRun ? "[dry-run] " : ""}Berth setup with ${executable} and ${configPath}`);
  const existing = await existingSecrets(wrangler);
  const interactive = !values["non-interactive"] && process.stdin.isTTY === true && !dryRun;
  const prompter =
    options.prompter !== undefined ? options.prompter : interactive ? terminalPrompter() : null;
  let resolved: Awaited<ReturnType<typeof resolveInputs>>;
  try {
    resolved = await resolveInputs({
      flags: values as unknown as Record<string, string | undefined>,
      env,
      toml: await readFile(configPath, "utf8"),
      existingSecrets: existing,
      prompter,
    });
  } finally {
    prompter?.close();
  }
  for (const note of resolved.notes) log(`! ${note}`);
  if (resolved.missing.length > 0) {
    const list = resolved.missing.map((m) => `  - ${m}`).join("\n");
    if (!dryRun) throw new Error(`missing input (nothing was changed):\n${list}`);
    log(`[dry-run] inputs: a real run would need:\n${list}`);
  }

  const ctx: Context = {
    root,
    configPath,
    dryRun,
    skipBuild: values["skip-build"] === true,
    agentDir: path.resolve(String(values["agent-dir"] ?? path.join(root, "vm-agent/dist"))),
    wrangler,
    builders: options.builders ?? realBuilders,
    log,
    vars: resolved.vars,
    secrets: resolved.secrets,
    existingSecrets: existing,
    databaseId: null,
    bucketExists: false,
    agents: [],
  };
  await runSteps(steps, ctx);

  const url = resolved.vars.BERTH_PUBLIC_URL;
  if (dryRun) {
    log("[dry-run] nothing was changed");
  } else {
    log(
      `Berth is deployed${url ? ` at ${url}` : ""}. Check ${url ?? "<BERTH_PUBLIC_URL>"}/api/health (expects {"ok":true}).`,
    );
    log(`Secrets on the Worker: ${allSecrets.join(", ")}.`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = await setup({ argv: process.argv.slice(2) });
  } catch (err) {
    console.error(`✗ setup failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
