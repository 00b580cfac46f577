import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentConfig } from "@berth/protocol";

export async function tempDir(prefix: string, cleanup: string[]): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(d);
  return d;
}

export async function removeAll(dirs: string[]): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const p = Bun.spawn(["git", ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0)
    throw new Error(`git ${args.join(" ")}: ${await new Response(p.stderr).text()}`);
  return out;
}

/** A real local git repo with README on main and FEATURE.md on branch `feature`. */
export async function makeRepo(root: string): Promise<string> {
  const repo = join(root, "origin");
  await mkdir(repo, { recursive: true });
  await git(repo, "init", "-q", "-b", "main");
  await writeFile(join(repo, "README.md"), "hello\n");
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "init");
  await git(repo, "checkout", "-q", "-b", "feature");
  await writeFile(join(repo, "FEATURE.md"), "feature\n");
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "feature");
  await git(repo, "checkout", "-q", "main");
  return repo;
}

export { git };

/** Writes an executable script into `binDir`. */
export async function fakeBin(binDir: string, name: string, script: string): Promise<void> {
  await mkdir(binDir, { recursive: true });
  const p = join(binDir, name);
  await writeFile(p, `#!/bin/bash\n${script}\n`);
  await chmod(p, 0o755);
}

export function testConfig(dataDir: string, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    workspace_id: "ws_test",
    hostname: "ws_test.localhost",
    control_plane_url: "http://127.0.0.1:1",
    bootstrap_token: "bt_0123456789abcdefghijklmnop",
    terminal_token_public_key: { kty: "EC", crv: "P-256", x: "x", y: "y" },
    repo_url: "/nonexistent",
    branch: null,
    idle_timeout_seconds: 1800,
    idle_grace_seconds: 300,
    max_lifetime_seconds: 86400,
    heartbeat_interval_seconds: 60,
    listen: { host: "127.0.0.1", port: 7681 },
    data_dir: dataDir,
    ...overrides,
  };
}
