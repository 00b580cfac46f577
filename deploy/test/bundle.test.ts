/**
 * `wrangler deploy --dry-run` of the real Worker: it bundles (no network), and the bundle stays under
 * the Workers size limit (3 MiB gzip on the free plan, 10 MiB paid). Runs the repository's wrangler.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(repo, "workers/node_modules/.bin/wrangler");
const freePlanLimit = 3 * 1024 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), "berth-bundle-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of wrangler.toml with its paths made absolute (and an empty dashboard if none is built). */
function configCopy(): string {
  let text = readFileSync(path.join(repo, "wrangler.toml"), "utf8");
  const absolute = (key: string, fallback?: string) => {
    text = text.replace(new RegExp(`^(${key}\\s*=\\s*)"([^"]+)"`, "m"), (_m, lead: string, rel: string) => {
      const abs = path.resolve(repo, rel);
      return `${lead}${JSON.stringify(existsSync(abs) || !fallback ? abs : fallback)}`;
    });
  };
  const emptyAssets = path.join(dir, "assets");
  mkdirSync(emptyAssets);
  writeFileSync(path.join(emptyAssets, "index.html"), "<!doctype html>");
  absolute("main");
  absolute("migrations_dir");
  absolute("directory", emptyAssets);
  const file = path.join(dir, "wrangler.toml");
  writeFileSync(file, text);
  return file;
}

function gzipOfDir(root: string): number {
  let total = 0;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith(".map")) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (statSync(file).isFile()) total += gzipSync(readFileSync(file)).length;
  }
  return total;
}

it("wrangler deploy --dry-run of the Worker succeeds and stays under the 3 MiB (gzip) limit", () => {
  const outdir = path.join(dir, "out");
  const result = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir, "--config", configCopy()], {
    cwd: repo,
    encoding: "utf8",
    timeout: 110_000,
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.status, output).toBe(0);

  const reported = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(output);
  expect(reported, output).not.toBeNull();
  const rawKiB = Number(reported?.[1]);
  const gzipKiB = Number(reported?.[2]);
  const measured = gzipOfDir(outdir);
  console.log(
    `Worker bundle: ${rawKiB.toFixed(2)} KiB, gzip ${gzipKiB.toFixed(2)} KiB (wrangler); ` +
      `gzip of ${outdir} files: ${(measured / 1024).toFixed(2)} KiB; free-plan limit 3072 KiB`,
  );
  expect(gzipKiB * 1024).toBeLessThan(freePlanLimit);
  expect(measured).toBeLessThan(freePlanLimit);
});
