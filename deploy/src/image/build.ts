/**
 * Builds the Berth VM image as a Hetzner snapshot: look for one built from this recipe; if there
 * is none, boot a build server whose cloud-init runs the recipe and powers off, snapshot it with
 * `create_image`, and delete the server. The server is deleted whatever happens after its create.
 */
import type { ImageBuildApi, WireImage } from "./hetzner.ts";
import { buildServerLabels, imageLabels, imageSelector } from "./labels.ts";
import type { Recipe } from "./recipe.ts";
import { buildUserData, installLog } from "./user-data.ts";

export interface BuildOptions {
  recipe: Recipe;
  deployment: string;
  architecture: "x86" | "arm";
  baseImage: string;
  serverType: string;
  location: string;
  dryRun: boolean;
  /** How long the install may take before the build gives up (the server is then deleted). */
  installTimeoutMs: number;
  /** How long create_image may take. */
  imageTimeoutMs: number;
  /** First poll interval; doubles up to `maxPollMs`. */
  pollMs: number;
  maxPollMs: number;
  log: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type BuildResult =
  | { status: "exists"; image: WireImage }
  | { status: "dry-run" }
  | { status: "built"; imageId: number; serverId: number };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` with doubling intervals until it returns a value or the deadline passes. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  opts: Pick<BuildOptions, "pollMs" | "maxPollMs" | "now" | "sleep">,
): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = now() + timeoutMs;
  let wait = opts.pollMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (now() + wait > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(wait);
    wait = Math.min(opts.maxPollMs, wait * 2);
  }
}

/** The newest snapshot built from this recipe for this deployment and architecture, if any. */
async function existingImage(api: ImageBuildApi, o: BuildOptions): Promise<WireImage | undefined> {
  const found = await api.listImages(imageSelector(o.deployment, o.recipe.hash), o.architecture);
  const usable = found.filter((i) => i.status === "available" || i.status === "creating");
  return usable.sort((a, b) => b.created.localeCompare(a.created) || b.id - a.id)[0];
}

export async function buildImage(api: ImageBuildApi, o: BuildOptions): Promise<BuildResult> {
  const labels = imageLabels(o.deployment, o.recipe.hash);
  const existing = await existingImage(api, o);
  if (existing) {
    o.log(`✓ image ${existing.id} (${existing.status}) is built from recipe ${o.recipe.hash}: nothing to do`);
    return { status: "exists", image: existing };
  }
  const userData = buildUserData(o.recipe.installScript);
  const name = `berth-image-${o.recipe.hash.slice(0, 8)}-${(o.now ?? Date.now)().toString(36)}`;
  const plan = [
    `create server ${name} (${o.serverType} in ${o.location}, ${o.baseImage}) running ${o.recipe.dir}/install.sh`,
    `wait for it to power off (at most ${Math.round(o.installTimeoutMs / 60_000)} min)`,
    `create_image (snapshot) labelled ${Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",")}`,
    `delete server ${name}`,
  ];
  if (o.dryRun) {
    for (const step of plan) o.log(`[dry-run] would ${step}`);
    return { status: "dry-run" };
  }
  o.log(`  ${plan[0]}`);
  const server = await api
    .createServer({
      name,
      serverType: o.serverType,
      location: o.location,
      image: o.baseImage,
      userData,
      labels: buildServerLabels(o.deployment, o.recipe.hash),
    })
    .catch(async (e: unknown) => {
      // The answer may be lost after Hetzner made the server: look it up by name and delete it.
      const made = await api.findServer(name).catch(() => null);
      if (made) await deleteBuildServer(api, made.id, o.log).catch(() => {});
      throw e;
    });
  let result: BuildResult;
  try {
    result = await installAndSnapshot(api, o, server.id, labels, plan);
  } catch (e) {
    o.log(`  ${plan[3]} (the build failed: ${(e as Error).message})`);
    // The original failure is what the person needs; a failed delete is logged on its own.
    await deleteBuildServer(api, server.id, o.log).catch(() => {});
    throw e;
  }
  o.log(`  ${plan[3]}`);
  await deleteBuildServer(api, server.id, o.log);
  return result;
}

async function installAndSnapshot(
  api: ImageBuildApi,
  o: BuildOptions,
  serverId: number,
  labels: Record<string, string>,
  plan: string[],
): Promise<BuildResult> {
  o.log(`  ${plan[1]}`);
  await pollUntil(
    async () => {
      const s = await api.getServer(serverId);
      if (s === null) throw new Error(`build server ${serverId} disappeared during the install`);
      return s.status === "off" ? s : undefined;
    },
    `build server ${serverId} to power off (the install failed or hangs: see ${installLog} on it)`,
    o.installTimeoutMs,
    o,
  );
  o.log(`  ${plan[2]}`);
  const { image, action } = await api.createImage(serverId, {
    description: `Berth VM ${o.architecture} (recipe ${o.recipe.hash.slice(0, 12)})`,
    labels,
  });
  await pollUntil(
    async () => {
      const a = await api.getAction(action.id);
      if (a.status === "error")
        throw new Error(`create_image failed: ${a.error?.message ?? "unknown error"}`);
      return a.status === "success" ? a : undefined;
    },
    `create_image action ${action.id}`,
    o.imageTimeoutMs,
    o,
  );
  o.log(`→ image ${image.id} built from recipe ${o.recipe.hash}`);
  return { status: "built", imageId: image.id, serverId };
}

async function deleteBuildServer(api: ImageBuildApi, id: number, log: (l: string) => void): Promise<void> {
  try {
    await api.deleteServer(id);
  } catch (e) {
    // The sweep removes it later (its labels mark it as a build server); say so, loudly.
    log(
      `! could not delete build server ${id}: ${(e as Error).message}; delete it by hand or let the sweep remove it`,
    );
    throw e;
  }
}
