/** A workspace with every kind of work a person can leave behind, and a tree comparer. */
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { walk } from "../../src/snapshot/list.ts";

export async function sh(cwd: string, ...argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
    },
  });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")}: ${err}`);
  return out;
}

/** A clone-like repo: a pushed commit, then a local commit, a stash, an edit, untracked and ignored files. */
export async function makeWorkspace(root: string): Promise<{ ws: string; home: string }> {
  const ws = join(root, "workspace");
  const home = join(root, "home");
  await mkdir(ws, { recursive: true });
  await sh(ws, "git", "init", "-q", "-b", "main");
  await writeFile(join(ws, ".gitignore"), "node_modules/\ndist/\n");
  await writeFile(join(ws, "README.md"), "hello\n");
  await mkdir(join(ws, "src", "deep"), { recursive: true });
  await writeFile(join(ws, "src", "deep", "a.ts"), "export const a = 1;\n");
  await writeFile(join(ws, "run.sh"), "#!/bin/sh\necho run\n");
  await chmod(join(ws, "run.sh"), 0o755);
  await symlink("src/deep/a.ts", join(ws, "link-to-a"));
  await sh(ws, "git", "add", "-A");
  await sh(ws, "git", "commit", "-q", "-m", "first");
  // A local commit that exists nowhere else.
  await writeFile(join(ws, "src", "local.ts"), "export const local = true;\n");
  await sh(ws, "git", "add", "src/local.ts");
  await sh(ws, "git", "commit", "-q", "-m", "local only");
  // A stash.
  await writeFile(join(ws, "README.md"), "stashed change\n");
  await sh(ws, "git", "stash", "push", "-q", "-m", "my stash");
  // An uncommitted edit (one staged, one not), an untracked file with odd mode and name.
  await writeFile(join(ws, "README.md"), "uncommitted edit\n");
  await writeFile(join(ws, "src", "deep", "a.ts"), "export const a = 2; // staged\n");
  await sh(ws, "git", "add", "src/deep/a.ts");
  await writeFile(join(ws, "notes with space.txt"), "untracked\n");
  await chmod(join(ws, "notes with space.txt"), 0o600);
  await writeFile(
    join(ws, "binary.bin"),
    new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)),
  );
  // Ignored: node_modules (and dist).
  await mkdir(join(ws, "node_modules", "pkg"), { recursive: true });
  await writeFile(join(ws, "node_modules", "pkg", "index.js"), "module.exports = 1;\n");
  // pnpm-like: a symlinked package folder (kept as a link, never followed).
  await mkdir(join(ws, "node_modules", ".pnpm", "dep@1", "node_modules", "dep"), { recursive: true });
  await writeFile(join(ws, "node_modules", ".pnpm", "dep@1", "node_modules", "dep", "index.js"), "dep\n");
  await symlink(".pnpm/dep@1/node_modules/dep", join(ws, "node_modules", "dep"));
  // A tracked symlink to a folder.
  await symlink("src", join(ws, "src-link"));
  await sh(ws, "git", "add", "src-link");
  await mkdir(join(ws, "dist"), { recursive: true });
  await writeFile(join(ws, "dist", "out.js"), "built\n");
  // A home: Claude Code's state and shell history.
  await mkdir(join(home, ".claude", "projects", "-workspaces-workspace"), { recursive: true });
  await writeFile(
    join(home, ".claude", "projects", "-workspaces-workspace", "session.jsonl"),
    '{"type":"user","message":"hi"}\n',
  );
  await writeFile(join(home, ".claude", "settings.json"), '{"hooks":{}}\n');
  await writeFile(join(home, ".claude.json"), '{"hasCompletedOnboarding":true}\n');
  await chmod(join(home, ".claude.json"), 0o600);
  await writeFile(join(home, ".bash_history"), "ls\ngit status\n");
  return { ws, home };
}

export interface Node {
  type: "file" | "dir" | "symlink";
  mode: number;
  content?: string;
}

/** Every entry under dir (except `skip` prefixes): type, permission bits, content hash or link target. */
export async function tree(dir: string, skip: string[] = []): Promise<Record<string, Node>> {
  const out: Record<string, Node> = {};
  for (const p of (await walk(dir)).sort()) {
    if (skip.some((s) => p === s || p.startsWith(`${s}/`))) continue;
    const full = join(dir, p);
    const s = await lstat(full);
    const mode = s.mode & 0o7777;
    if (s.isSymbolicLink()) out[p] = { type: "symlink", mode: 0, content: await readlink(full) };
    else if (s.isDirectory()) out[p] = { type: "dir", mode };
    else
      out[p] = {
        type: "file",
        mode,
        content: createHash("sha256")
          .update(await readFile(full))
          .digest("hex"),
      };
  }
  return out;
}
