// Local mode's workspace image, built on this machine from images/workspace/: a debootstrap
// Debian rootfs imported into the project's Docker engine, then the Dockerfile's layer (Node 22,
// Claude Code). Tagged by a hash of the recipe, so it is rebuilt only when the recipe changes.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

export const workspaceImageRepo = "berth-workspace";
const baseImageRepo = "berth-debian";

interface BaseRecipe {
  suite: string;
  variant: string;
  include: string[];
  mirror: string;
}

export interface WorkspaceImage {
  /** e.g. `berth-workspace:3f2a…` */
  tag: string;
  /** False when the image already existed. */
  built: boolean;
  seconds: number;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/**
 * The certificates this machine trusts, for the image's build (npm over a network that may
 * re-sign TLS) and for what runs in it. Part of the recipe: a change rebuilds the image.
 */
export function hostCertificates(): string {
  const file = [process.env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"].find(
    (f): f is string => !!f && existsSync(f),
  );
  return file ? readFileSync(file, "utf8") : "";
}

/** A hash of every file in the recipe folder (names and contents, in name order) and extras. */
export function recipeHash(dir: string, extra = ""): string {
  const h = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    h.update(`${name}\0`);
    h.update(readFileSync(path.join(dir, name)));
    h.update("\0");
  }
  h.update(extra);
  return h.digest("hex").slice(0, 16);
}

function docker(dockerHost: string, args: string[]) {
  return spawnSync("docker", args, {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function imageExists(dockerHost: string, tag: string): boolean {
  return docker(dockerHost, ["image", "inspect", "--format", "{{.Id}}", tag]).status === 0;
}

/** Earlier recipes' images and leftovers of failed builds (an image still in use stays). */
export function removeOtherTags(dockerHost: string, keep: string, repo = workspaceImageRepo): void {
  const tags = docker(dockerHost, ["images", repo, "--format", "{{.Repository}}:{{.Tag}}"]);
  const old = tags.stdout.split("\n").filter((t) => t && t !== keep);
  if (old.length > 0) docker(dockerHost, ["image", "rm", ...old]);
  docker(dockerHost, ["image", "prune", "--force"]);
}

/** Runs a shell pipeline (arguments passed positionally, never interpolated), output to the log. */
export function runLogged(log: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: "a" });
    out.write(`\n$ ${argv.join(" ")}\n`);
    const child = spawn(argv[0] ?? "false", argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", reject);
    child.on("close", (code) => {
      out.end();
      if (code === 0) resolve();
      else {
        const lines = readFileSync(log, "utf8").trim().split("\n").slice(-15).join("\n");
        reject(new Error(`${path.basename(argv[0] ?? "")} failed (exit ${code}); see ${log}:\n${lines}`));
      }
    });
  });
}

const sudo = (argv: string[]) => (process.getuid?.() === 0 ? argv : ["sudo", "-n", ...argv]);

/** debootstrap the base rootfs and `docker import` it, unless that exact base exists. */
/** `docker build` of a context on a base image (the classic builder: Docker 20.10's engine, and
 * no buildx plugin needed; host network, so the build reaches the registries). */
export function buildOnBase(log: string, dockerHost: string, base: string, tag: string, context: string) {
  return runLogged(log, [
    "env",
    "DOCKER_BUILDKIT=0",
    "docker",
    "-H",
    dockerHost,
    "build",
    "--network",
    "host",
    "--build-arg",
    `BASE=${base}`,
    "-t",
    tag,
    context,
  ]);
}

export async function ensureBase(recipeDir: string, stateDir: string, dockerHost: string, log: string) {
  const text = readFileSync(path.join(recipeDir, "base.json"), "utf8");
  const recipe = JSON.parse(text) as BaseRecipe;
  const tag = `${baseImageRepo}:${recipe.suite}-${hash(text)}`;
  if (imageExists(dockerHost, tag)) return tag;
  const rootfs = path.join(stateDir, `rootfs-${hash(text)}`);
  await runLogged(log, sudo(["rm", "-rf", rootfs]));
  await runLogged(
    log,
    sudo([
      "debootstrap",
      `--variant=${recipe.variant}`,
      `--include=${recipe.include.join(",")}`,
      recipe.suite,
      rootfs,
      recipe.mirror,
    ]),
  );
  // No apt lists or caches in the image: they only make it bigger.
  await runLogged(
    log,
    sudo(["sh", "-c", 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*', "sh", rootfs]),
  );
  await runLogged(log, [
    "sh",
    "-c",
    'tar -C "$1" -c . | DOCKER_HOST="$2" docker import - "$3"',
    "sh",
    rootfs,
    dockerHost,
    tag,
  ]);
  await runLogged(log, sudo(["rm", "-rf", rootfs]));
  return tag;
}

/** Builds the workspace image when its recipe's tag is missing; returns the tag either way. */
export async function ensureWorkspaceImage(opts: {
  root: string;
  dockerHost: string;
  log?: (line: string) => void;
}): Promise<WorkspaceImage> {
  const started = Date.now();
  const recipeDir = path.join(opts.root, "images/workspace");
  const certificates = hostCertificates();
  const tag = `${workspaceImageRepo}:${recipeHash(recipeDir, certificates)}`;
  const seconds = () => (Date.now() - started) / 1000;
  if (imageExists(opts.dockerHost, tag)) return { tag, built: false, seconds: seconds() };

  const stateDir = path.join(opts.root, ".state/images");
  mkdirSync(stateDir, { recursive: true });
  const log = path.join(stateDir, "build.log");
  rmSync(log, { force: true });
  opts.log?.(`building ${tag} (debootstrap + Node 22 + Claude Code; log in ${log})`);
  const base = await ensureBase(recipeDir, stateDir, opts.dockerHost, log);
  opts.log?.(`base ${base} ready after ${seconds().toFixed(0)} s`);
  const context = path.join(stateDir, "context");
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context);
  for (const name of readdirSync(recipeDir))
    copyFileSync(path.join(recipeDir, name), path.join(context, name));
  writeFileSync(path.join(context, "host-ca.crt"), certificates);
  await buildOnBase(log, opts.dockerHost, base, tag, context);
  rmSync(context, { recursive: true, force: true });
  removeOtherTags(opts.dockerHost, tag);
  return { tag, built: true, seconds: seconds() };
}
