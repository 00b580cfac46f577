/** The Berth VM image recipe (images/berth-vm/): its files and the hash that names an image built from it. */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

export interface Recipe {
  dir: string;
  /** Hex SHA-256 over every file's name and bytes, in name order: equal recipes, equal hash. */
  hash: string;
  /** install.sh: what the build server runs. */
  installScript: string;
}

/** Hetzner label values are at most 63 characters: the first 32 hex digits name the recipe. */
export const recipeLabelLength = 32;

export async function readRecipe(dir: string): Promise<Recipe> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    throw new Error(`no image recipe at ${dir}: expected ${path.join(dir, "install.sh")}`);
  }
  names.sort();
  if (!names.includes("install.sh")) throw new Error(`no install.sh in the image recipe ${dir}`);
  const hash = createHash("sha256");
  let installScript = "";
  for (const name of names) {
    const bytes = await readFile(path.join(dir, name));
    // Length-prefixed, so moving bytes from one file to the next changes the hash.
    hash.update(`${name}\0${bytes.length}\0`);
    hash.update(bytes);
    if (name === "install.sh") installScript = bytes.toString("utf8");
  }
  return { dir, hash: hash.digest("hex").slice(0, recipeLabelLength), installScript };
}
