// Local mode's workspace VM image, built on this machine from images/berth-vm/: the Berth VM
// recipe (install.sh, the same script a Hetzner image build runs) on the workspace image's
// debootstrap Debian base, plus local.sh's container-only differences. Tagged by a hash of both
// recipes, so it is rebuilt only when one changes.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  buildOnBase,
  ensureBase,
  hostCertificates,
  imageExists,
  recipeHash,
  removeOtherTags,
} from "./workspace-image.ts";

export const vmImageRepo = "berth-vm";

export interface VmImage {
  /** e.g. `berth-vm:3f2a…` */
  tag: string;
  built: boolean;
  seconds: number;
}

/** The tag the current recipes give (without building). */
export function vmImageTag(root: string): string {
  const baseDir = path.join(root, "images/workspace");
  const base = recipeHash(baseDir).slice(0, 8); // the base is part of what boots
  return `${vmImageRepo}:${recipeHash(path.join(root, "images/berth-vm"), base + hostCertificates())}`;
}

/** Builds the VM image when its recipe's tag is missing; returns the tag either way. */
export async function ensureVmImage(opts: {
  root: string;
  dockerHost: string;
  log?: (line: string) => void;
}): Promise<VmImage> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const tag = vmImageTag(opts.root);
  if (imageExists(opts.dockerHost, tag)) return { tag, built: false, seconds: seconds() };

  const stateDir = path.join(opts.root, ".state/images");
  mkdirSync(stateDir, { recursive: true });
  const log = path.join(stateDir, "vm-build.log");
  rmSync(log, { force: true });
  opts.log?.(`building ${tag} (images/berth-vm on the Debian base; log in ${log})`);
  const base = await ensureBase(path.join(opts.root, "images/workspace"), stateDir, opts.dockerHost, log);
  const recipeDir = path.join(opts.root, "images/berth-vm");
  const context = path.join(stateDir, "vm-context");
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context);
  for (const name of readdirSync(recipeDir))
    copyFileSync(path.join(recipeDir, name), path.join(context, name));
  writeFileSync(path.join(context, "host-ca.crt"), hostCertificates());
  await buildOnBase(log, opts.dockerHost, base, tag, context);
  rmSync(context, { recursive: true, force: true });
  removeOtherTags(opts.dockerHost, tag, vmImageRepo);
  return { tag, built: true, seconds: seconds() };
}
