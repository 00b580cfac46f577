// A git repository served over plain HTTP on loopback (git's "dumb" protocol), so a workspace
// can clone something real without any network.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

export interface ServedRepo {
  url: string;
  stop(): Promise<void>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    stdio: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "e2e",
      GIT_AUTHOR_EMAIL: "e2e@example.test",
      GIT_COMMITTER_NAME: "e2e",
      GIT_COMMITTER_EMAIL: "e2e@example.test",
    },
  });

export async function serveGitRepo(files: Record<string, string>): Promise<ServedRepo> {
  const root = mkdtempSync(path.join(tmpdir(), "berth-e2e-repo-"));
  const work = path.join(root, "work");
  git(root, "init", "-q", "-b", "main", work);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(work, name), content);
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "initial");
  git(root, "clone", "-q", "--bare", work, "demo.git");
  git(path.join(root, "demo.git"), "update-server-info");

  const server: Server = createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      if (!statSync(file).isFile()) throw new Error("not a file");
      res.writeHead(200).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/demo.git`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
