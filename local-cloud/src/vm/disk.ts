import { spawn } from "node:child_process";
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

/** SHA-256 of an xz archive's decompressed content (`xz -dc`, as fetch-agent.sh unpacks it). */
export async function sha256OfXzContent(archive: string): Promise<string> {
  const child = spawn("xz", ["-dc", "--", archive], { stdio: ["ignore", "pipe", "pipe"] });
  const hash = createHash("sha256");
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  for await (const chunk of child.stdout) hash.update(chunk as Buffer);
  const code = await exited;
  if (code !== 0) throw new Error(`xz -dc ${archive} failed (exit ${code}): ${stderr.trim()}`);
  return hash.digest("hex");
}

/** `xz -dc archive > dest`. */
async function unxz(archive: string, dest: string): Promise<void> {
  const out = await open(dest, "w", 0o600);
  try {
    const child = spawn("xz", ["-dc", "--", archive], { stdio: ["ignore", out.fd, "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0) throw new Error(`not an xz archive (${stderr.trim()}): refusing to start`);
  } finally {
    await out.close();
  }
}

/**
 * What fetch-agent.sh's ExecStartPre check does: the installed binary must be the verified archive
 * (`<binary>.xz`, SHA-256 as pinned), decompressed, byte for byte. Returns a reason when not.
 */
export async function verifyInstalled(binary: string, sha256: string): Promise<string | null> {
  const archive = `${binary}.xz`;
  const got = await sha256File(archive).catch(() => "missing");
  if (got !== sha256) return `archive ${got}, expected ${sha256}`;
  const [content, installed] = await Promise.all([
    sha256OfXzContent(archive).catch(() => "unreadable"),
    sha256File(binary).catch(() => "missing"),
  ]);
  return content === installed
    ? null
    : `installed binary ${installed} is not the archive's content ${content}`;
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
 * What fetch-agent.sh does: download the xz archive to a temporary file, check its SHA-256,
 * decompress, chmod 0755 and move both into place (the archive as `<dest>.xz`). A mismatch or a
 * broken archive is final (not retried), like `sha256sum -c` or `xz -dc` failing the script.
 */
export async function fetchVerified(
  url: string,
  sha256: string,
  dest: string,
  opts: DownloadOptions,
): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.download.${process.pid}.${Date.now()}`;
  const unpacked = `${dest}.unpack.${process.pid}.${Date.now()}`;
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
      await unxz(tmp, unpacked);
      await chmod(unpacked, 0o755);
      await rename(tmp, `${dest}.xz`);
      await rename(unpacked, dest);
      return;
    }
    throw new Error(`download failed after ${opts.attempts} attempt(s): ${url}: ${lastError}`);
  } finally {
    await rm(tmp, { force: true });
    await rm(unpacked, { force: true });
  }
}

export const vmPaths = (root: string) => ({
  root,
  log: join(root, "agent.log"),
  home: join(root, "root"),
  dataDir: join(root, "var/lib/berth"),
});
