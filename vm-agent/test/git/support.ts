import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { git } from "../boot/helpers.ts";
import { fakeControlPlane } from "../control-plane/fake.ts";
import { startGitServer } from "./git-server.ts";

export const tokenPrefix = "ghs_berthtest_";

export interface Minted {
  password: string;
  repository: string;
  expiresAt: number;
}

/**
 * The GitHub side of a test: bare repos served by `git http-backend`, and a fake control plane that
 * mints installation tokens for one repository, which the git server then demands. `clock` is
 * shared, so a test can let tokens expire without waiting.
 */
export async function gitHub(
  root: string,
  opts: { repository: string; clock: { now: number }; routes?: Parameters<typeof fakeControlPlane>[0] },
) {
  const minted: Minted[] = [];
  const revoked = { on: false, message: "The installation was suspended by octo" };
  const server = startGitServer({
    root: join(root, "srv"),
    allow: (user, password, repo) =>
      user === "x-access-token" &&
      minted.some((t) => t.password === password && t.repository === repo && t.expiresAt > opts.clock.now),
  });
  const origin = server.url;
  const cp = fakeControlPlane({
    ...opts.routes,
    "git-credentials": () => {
      if (revoked.on) {
        return Response.json(
          { error: { code: "github_installation_revoked", message: revoked.message } },
          { status: 403 },
        );
      }
      const t = {
        password: `${tokenPrefix}${crypto.randomUUID().replaceAll("-", "")}`,
        repository: opts.repository,
        expiresAt: opts.clock.now + 3600_000,
      };
      minted.push(t);
      return Response.json({
        username: "x-access-token",
        password: t.password,
        expires_at: new Date(t.expiresAt).toISOString(),
        repository: t.repository,
        origin,
      });
    },
  });
  return {
    origin,
    server,
    cp,
    minted,
    revoked,
    stop: () => {
      server.stop();
      cp.stop();
    },
  };
}

/** A bare repo `srv/<owner>/<name>.git` with main and feature (from a fresh working repo). */
export async function bareRepo(root: string, work: string, repository: string): Promise<string> {
  const path = join(root, "srv", `${repository}.git`);
  await git(root, "clone", "-q", "--bare", work, path);
  await git(path, "config", "http.receivepack", "true");
  return path;
}

/**
 * Watches every process's command line and environment while git runs: each hit of `needle` is
 * recorded. A poll, so it can only prove absence "as far as it looked", which is every few ms.
 */
export function watchProcesses(needle: string) {
  const hits: string[] = [];
  let scans = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = (await readdir("/proc").catch(() => [])).filter((p) => /^\d+$/.test(p));
      for (const pid of pids) {
        for (const file of ["cmdline", "environ"]) {
          const text = await readFile(`/proc/${pid}/${file}`, "latin1").catch(() => "");
          if (text.includes(needle)) hits.push(`${pid}/${file}: ${text.replaceAll("\0", " ").slice(0, 200)}`);
        }
      }
      scans++;
      await Bun.sleep(5);
    }
  })();
  return {
    hits,
    get scans() {
      return scans;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Every regular file under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(e.parentPath, e.name);
    if (!e.isFile()) continue;
    if ((await stat(path)).size > 50 * 2 ** 20) continue;
    if ((await readFile(path, "latin1")).includes(needle)) found.push(path);
  }
  return found;
}
