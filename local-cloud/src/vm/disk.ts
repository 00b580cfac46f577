import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { appendFile, chmod, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { WriteFile } from "./user-data.ts";

/** Maps an absolute path inside the VM to the simulated disk, refusing anything that escapes it. */
export function onDisk(root: string, vmPath: string): string {
  const p = resolve(root, `.${vmPath.startsWith("/") ? vmPath : `/${vmPath}`}`);
  const rel = relative(root, p);
  if (rel.startsWith("..") || rel === "") throw new Error(`path escapes the VM disk: ${vmPath}`);
  return p;
}

export async function performWriteFiles(root: string, files: WriteFile[]): Promise<void> {
  for (const f of files) {
    const p = onDisk(root, f.path);
    await mkdir(dirname(p), { recursive: true });
    if (f.append) await appendFile(p, f.content);
    else await writeFile(p, f.content);
    await chmod(p, f.mode ?? 0o644);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface DownloadOptions {
  /** Whole-download limit per attempt (connect + body). */
  timeoutMs: number;
  attempts: number;
  retryDelayMs: number;
  signal?: AbortSignal;
}

async function downloadOnce(url: string, dest: string, opts: DownloadOptions): Promise<string> {
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const res = await fetch(url, { signal: AbortSignal.any(signals), redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const hash = createHash("sha256");
  const fh = await open(dest, "w", 0o600);
  try {
    // Hash while writing so a large binary is read once.
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return hash.digest("hex");
}

/**
 * What fetch-agent.sh does: download to a temporary file, check the SHA-256, chmod 0755 and move
 * into place. A mismatch is final (not retried), like `sha256sum -c` failing the script.
 */
export async function fetchVerified(
  url: string,
  sha256: string,
  dest: string,
  opts: DownloadOptions,
): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.download.${process.pid}.${Date.now()}`;
  let lastError = "";
  try {
    for (let attempt = 1; attempt <= opts.attempts; attempt++) {
      if (opts.signal?.aborted) throw new Error("aborted");
      let got: string;
      try {
        got = await downloadOnce(url, tmp, opts);
      } catch (err) {
        const e = err as Error;
        lastError = e.name === "TimeoutError" ? `timed out after ${opts.timeoutMs} ms` : e.message;
        if (opts.signal?.aborted) throw new Error("aborted");
        if (attempt < opts.attempts) await new Promise((r) => setTimeout(r, opts.retryDelayMs));
        continue;
      }
      if (got !== sha256)
        throw new Error(`SHA-256 mismatch for ${url}: expected ${sha256}, got ${got}: refusing to start`);
      await chmod(tmp, 0o755);
      await rename(tmp, dest);
      return;
    }
    throw new Error(`download failed after ${opts.attempts} attempt(s): ${url}: ${lastError}`);
  } finally {
    await rm(tmp, { force: true });
  }
}

export const vmPaths = (root: string) => ({
  root,
  log: join(root, "agent.log"),
  home: join(root, "root"),
  dataDir: join(root, "var/lib/berth"),
});
