import { type AgentConfig, secretNameProblem } from "@berth/protocol/agent";
import type { AgentSecrets } from "../control-plane/secrets.ts";
import { chmod, rename, rm, writeFile } from "../sys/files.ts";
import { join } from "../sys/paths.ts";
import { type DevcontainerArgs, devcontainerBase } from "./devcontainer.ts";
import { type CommandRunner, tail } from "./exec.ts";
import { BootError } from "./repo.ts";

/**
 * How this machine gets devcontainer images. A production VM pulls them from registries and adds
 * Claude Code as a feature (from ghcr.io). A machine that sets DEFAULT_DEVCONTAINER_IMAGE (local
 * mode) supplies its images itself: the default devcontainer uses that image, which carries
 * Claude Code already, no feature is added, and an image that is not on the machine fails the
 * boot at once instead of waiting on a registry that cannot be reached.
 */
export interface ImageSettings {
  defaultImage: string | null;
  localImagesOnly: boolean;
}

export function imageSettings(env: Record<string, string | undefined>): ImageSettings {
  const image = env.DEFAULT_DEVCONTAINER_IMAGE?.trim();
  return image
    ? { defaultImage: image, localImagesOnly: true }
    : { defaultImage: null, localImagesOnly: false };
}

/** A pull that takes longer than this is a failed boot (the agent's retries take over). */
const pullTimeoutMs = 15 * 60_000;

/** The image the devcontainer config names, or null when it builds one (Dockerfile, compose). */
export async function configuredImage(
  run: CommandRunner,
  env: Record<string, string>,
  dc: DevcontainerArgs,
): Promise<string | null> {
  const r = await run([...devcontainerBase("read-configuration", dc)], { env, timeoutMs: 60_000 });
  if (r.code !== 0) {
    throw new BootError(
      "devcontainer",
      `The devcontainer config cannot be read: ${tail(r.stderr || r.stdout)}`,
    );
  }
  try {
    const parsed = JSON.parse(r.stdout) as { configuration?: { image?: unknown } };
    const image = parsed.configuration?.image;
    return typeof image === "string" && image.length > 0 ? image : null;
  } catch {
    return null;
  }
}

/** Makes sure the image is on this machine (pulling it where that is allowed), or fails the boot clearly. */
export async function ensureImage(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  image: string;
  settings: ImageSettings;
  report(step: string, message: string): void;
}): Promise<void> {
  const inspect = await opts.run(["docker", "image", "inspect", "--format", "{{.Id}}", opts.image], {
    env: opts.env,
    timeoutMs: 60_000,
  });
  if (inspect.code === 0) {
    opts.report("image", `Image ${opts.image} is on this machine`);
    return;
  }
  if (opts.settings.localImagesOnly) {
    throw new BootError(
      "image",
      `Image ${opts.image} is not available on this machine (it cannot pull images)`,
    );
  }
  opts.report("image", `Pulling ${opts.image}`);
  const started = Date.now();
  const pull = await opts.run(["docker", "pull", "--quiet", opts.image], {
    env: opts.env,
    timeoutMs: pullTimeoutMs,
  });
  if (pull.code !== 0) {
    const why = pull.code === 124 ? "timed out" : tail(pull.stderr || pull.stdout, 300);
    throw new BootError(
      "image",
      `Image ${opts.image} is not available on this machine and pulling it failed: ${why}`,
    );
  }
  opts.report("image", `Pulled ${opts.image} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Everything a workspace process (terminal, Claude) gets in its environment. The Claude key and
 * the person's secrets are here, so this reaches processes only through a root-readable file, never
 * a command line. Berth's own variables are set last: a secret can never replace them (the control
 * plane refuses such names anyway).
 */
export function workspaceEnv(
  config: AgentConfig,
  secrets: AgentSecrets,
  socketPath: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(secrets.user_secrets ?? {})) {
    if (secretNameProblem(name) === null) env[name] = value;
  }
  env.BERTH_AGENT_SOCKET = socketPath;
  if (secrets.claude_api_key) env.ANTHROPIC_API_KEY = secrets.claude_api_key;
  if (config.anthropic_base_url) {
    env.ANTHROPIC_BASE_URL = config.anthropic_base_url;
    // No telemetry, error reports or update checks to hosts other than that one.
    env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1";
  }
  return env;
}

const shellQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

/** Writes `KEY='value'` lines, mode 0600, for `set -a; . FILE`. */
export async function writeEnvFile(path: string, vars: Record<string, string>): Promise<void> {
  await rm(path, { force: true });
  const body = Object.entries(vars)
    .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
    .join("");
  // Created 0600 from the start: the key is never readable by anyone else, not even briefly.
  await writeFile(path, body, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Runs `command` after exporting the env file's variables (a missing file is no error). */
export function withEnvFile(envFile: string, command: string[]): string[] {
  return [
    "sh",
    "-c",
    'set -a; [ -r "$1" ] && . "$1"; set +a; shift; exec "$@"',
    "berth-env",
    envFile,
    ...command,
  ];
}

/**
 * The env file on the host is root's; inside the container it must belong to the devcontainer's
 * user (still 0600), whoever that is.
 */
export async function giveEnvFileTo(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  containerId: string;
  user: string;
  path: string;
}): Promise<{ ok: boolean; error?: string }> {
  if (opts.user === "root" || opts.user === "0") return { ok: true };
  const r = await opts.run(
    ["docker", "exec", "-u", "root", opts.containerId, "chown", opts.user, opts.path],
    {
      env: opts.env,
      timeoutMs: 60_000,
    },
  );
  return r.code === 0 ? { ok: true } : { ok: false, error: tail(r.stderr || r.stdout, 300) };
}

/**
 * Each new terminal reads the env file as it starts: the new one is written beside it, given to the
 * container's user, and only then takes the old one's place, so no terminal finds it missing or
 * unreadable.
 */
export async function replaceEnvFile(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  containerId: string;
  user: string;
  /** The run directory on the host, and where the container sees it. */
  hostDir: string;
  containerDir: string;
  name: string;
  vars: Record<string, string>;
}): Promise<void> {
  const next = `${opts.name}.next`;
  await writeEnvFile(join(opts.hostDir, next), opts.vars);
  const given = await giveEnvFileTo({
    run: opts.run,
    env: opts.env,
    containerId: opts.containerId,
    user: opts.user,
    path: `${opts.containerDir}/${next}`,
  });
  if (!given.ok) throw new Error("the new environment file could not be given to the container's user");
  await rename(join(opts.hostDir, next), join(opts.hostDir, opts.name));
}
