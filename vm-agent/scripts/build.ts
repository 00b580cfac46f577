/**
 * Compiles berth-agent into self-contained binaries for both Hetzner architectures:
 *   bun run scripts/build.ts            -> dist/berth-agent-linux-x64, dist/berth-agent-linux-arm64
 *   bun run scripts/build.ts --target x64   (just one)
 *   bun run scripts/build.ts --compress     (also dist/<binary>.xz: what VMs download)
 * Prints each file's size and SHA-256 (cloud-init pins the hash of the .xz it downloads).
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { bundlePage } from "./bundle-page.ts";

const root = join(dirname(import.meta.path), "..");
const targets = { x64: "bun-linux-x64", arm64: "bun-linux-arm64" } as const;
type Arch = keyof typeof targets;

export interface Built {
  arch: Arch;
  path: string;
  bytes: number;
  sha256: string;
}

export async function build(archs: Arch[], outDir = join(root, "dist")): Promise<Built[]> {
  await bundlePage();
  await mkdir(outDir, { recursive: true });
  const built: Built[] = [];
  for (const arch of archs) {
    const path = join(outDir, `berth-agent-linux-${arch}`);
    const proc = Bun.spawn(
      [
        process.execPath,
        "build",
        "--compile",
        "--minify",
        `--target=${targets[arch]}`,
        join(root, "src", "cli.ts"),
        "--outfile",
        path,
      ],
      { cwd: root, stdout: "pipe", stderr: "pipe" },
    );
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) throw new Error(`bun build (${arch}) failed with exit ${code}:\n${out}${err}`);
    const bytes = (await stat(path)).size;
    const sha256 = new Bun.CryptoHasher("sha256").update(await readFile(path)).digest("hex");
    built.push({ arch, path, bytes, sha256 });
  }
  return built;
}

/**
 * The download VMs fetch: the binary compressed with xz (in every Ubuntu and Debian image; about a
 * third of the size). xz -6 takes minutes of CPU on a busy machine, so an archive made from the
 * same binary (same SHA-256, recorded next to it) is reused.
 */
export async function compress(b: Built): Promise<Built> {
  const path = `${b.path}.xz`;
  const source = `${path}.source-sha256`;
  const known = await readFile(source, "utf8").catch(() => "");
  if (known.trim() !== b.sha256) {
    const tmp = `${path}.tmp`;
    const proc = Bun.spawn(["xz", "-6", "-T0", "--check=crc64", "-c", b.path], {
      stdout: Bun.file(tmp),
      stderr: "pipe",
    });
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`xz (${b.arch}) failed with exit ${code}: ${err}`);
    await rename(tmp, path);
    await writeFile(source, `${b.sha256}\n`);
  }
  const bytes = (await stat(path)).size;
  const sha256 = new Bun.CryptoHasher("sha256").update(await readFile(path)).digest("hex");
  return { arch: b.arch, path, bytes, sha256 };
}

if (import.meta.main) {
  const i = process.argv.indexOf("--target");
  const only = i >= 0 ? process.argv[i + 1] : undefined;
  if (only !== undefined && !(only in targets)) {
    console.error(`unknown --target ${only} (x64 or arm64)`);
    process.exit(2);
  }
  const archs = only ? [only as Arch] : (Object.keys(targets) as Arch[]);
  try {
    for (const binary of await build(archs)) {
      const files = process.argv.includes("--compress") ? [binary, await compress(binary)] : [binary];
      for (const b of files) {
        const mib = (b.bytes / 1024 / 1024).toFixed(1);
        console.log(`${b.path}  ${mib} MiB (${b.bytes} bytes)  sha256 ${b.sha256}`);
      }
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
