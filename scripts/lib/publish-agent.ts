// Local mode: builds berth-agent for x64, compresses it, and puts the .xz with its SHA-256 into the
// local AGENTS R2 bucket, where local VMs download it exactly as real ones would from production.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.join(" ")} failed`);
  return result.stdout;
}

export function publishAgentLocally(root: string, wrangler: string): { sha256: string; bytes: number } {
  const bun = path.join(root, "vm-agent/node_modules/.bin/bun");
  run(bun, ["run", "scripts/build.ts", "--target", "x64", "--compress"], path.join(root, "vm-agent"));
  const binary = path.join(root, "vm-agent/dist/berth-agent-linux-x64.xz");
  const bytes = readFileSync(binary);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  // Skip the upload (about 40 MB) when this exact download is already in the local bucket.
  const stamp = path.join(root, ".wrangler/agent-published.sha256");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== sha256) {
    const shaFile = path.join(root, "vm-agent/dist/berth-agent-linux-x64.xz.sha256");
    writeFileSync(shaFile, `${sha256}\n`);
    for (const [key, file] of [
      ["berth-agent-linux-x64.xz", binary],
      ["berth-agent-linux-x64.xz.sha256", shaFile],
    ] as const) {
      run(wrangler, ["r2", "object", "put", `berth-agents/${key}`, "--file", file, "--local"], root);
    }
    mkdirSync(path.dirname(stamp), { recursive: true });
    writeFileSync(stamp, sha256);
  }
  return { sha256, bytes: bytes.length };
}

/** The dashboard, built into pages/dist, which the Worker serves as static assets. */
export function buildDashboard(root: string) {
  const pages = path.join(root, "pages");
  if (!existsSync(path.join(pages, "package.json"))) {
    mkdirSync(path.join(pages, "dist"), { recursive: true });
    return;
  }
  run(path.join(pages, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], pages);
}
