/** The real builds: berth-agent with Bun (both architectures) and the dashboard with Vite. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Arch, type Builders, type BuiltAgent, type Context, names } from "./context.ts";

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} ${args.join(" ")} failed (exit ${code})`)),
    );
  });
}

/** Reads both agent downloads (xz) from a directory and hashes them. */
export async function existingAgents(dir: string): Promise<BuiltAgent[]> {
  const out: BuiltAgent[] = [];
  for (const arch of Object.keys(names.agentFiles) as Arch[]) {
    const file = path.join(dir, names.agentFiles[arch]);
    if (!existsSync(file)) {
      throw new Error(
        `${file} does not exist: build it (drop --skip-build) or point --agent-dir at the compressed binaries`,
      );
    }
    const sha256 = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
    out.push({ arch, path: file, sha256 });
  }
  return out;
}

export const realBuilders: Builders = {
  async agents(ctx: Context) {
    if (!ctx.skipBuild) {
      const vmAgent = path.join(ctx.root, "vm-agent");
      await run(
        path.join(vmAgent, "node_modules/.bin/bun"),
        ["run", "scripts/build.ts", "--compress"],
        vmAgent,
      );
    }
    return existingAgents(ctx.agentDir);
  },
  async dashboard(ctx: Context) {
    const pages = path.join(ctx.root, "pages");
    await run(path.join(pages, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], pages);
  },
};
