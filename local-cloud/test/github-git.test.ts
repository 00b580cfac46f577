import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { control, GitClient, type Json, mintToken } from "./github-helpers.ts";
import { startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let ctl: ReturnType<typeof control>;
let git: GitClient;
const url = (repo: string) => `${cloud.urls.github}/${repo}.git`;

beforeAll(async () => {
  cloud = await startEphemeral();
  ctl = control(cloud);
  git = new GitClient();
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await ctl("POST", "reset");
});

let n = 0;
async function cloneAs(repo: string, token?: string, suffix = "") {
  const dest = git.dir(`clone-${++n}`);
  const r = await git.run(["clone", `${url(repo)}${suffix}`, dest], token ? { token } : {});
  return { ...r, dest };
}

async function commitAndPush(dest: string, token: string | undefined, branch = "main") {
  writeFileSync(join(dest, "notes.md"), `written ${n}\n`);
  await git.run(["add", "notes.md"], { cwd: dest });
  await git.run(["commit", "-m", "Notes from the workspace"], { cwd: dest });
  return git.run(["push", "origin", `HEAD:refs/heads/${branch}`], { cwd: dest, ...(token ? { token } : {}) });
}

describe("git smart HTTP (git http-backend)", () => {
  it("clones a private repository with an installation token, and the push lands authored as the person", async () => {
    const { token } = await mintToken(cloud, "alice", {
      repositories: ["private-notes"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    const clone = await cloneAs("alice/private-notes", token);
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(clone.dest, "README.md"), "utf8")).toContain("private-notes");

    const push = await commitAndPush(clone.dest, token);
    expect(push.code, push.stderr).toBe(0);
    const log = await ctl("GET", "repos/alice/private-notes/commits?branch=main");
    expect(log.status).toBe(200);
    expect(log.json.commits[0]).toMatchObject({
      author_name: "Alice Liddell",
      author_email: "1001+alice@users.noreply.github.com",
      message: "Notes from the workspace",
    });
    expect(log.json.commits).toHaveLength(2);
    // The token never reaches the remote URL git stored.
    const config = readFileSync(join(clone.dest, ".git/config"), "utf8");
    expect(config).not.toContain(token);
  });

  it("asks for credentials on a private repo (401 Basic realm=GitHub) and clones public ones anonymously", async () => {
    const res = await fetch(`${url("alice/private-notes")}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
    const anon = await cloneAs("alice/private-notes");
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/could not read Username|Authentication failed|terminal prompts disabled/);

    const pub = await cloneAs("alice/hello-world", undefined, "");
    expect(pub.code, pub.stderr).toBe(0);
    // Without .git, like GitHub.
    const bare = await cloneAs("alice/hello-world".replace(".git", ""), undefined);
    expect(bare.code).toBe(0);
    const noSuffix = await git.run(["ls-remote", `${cloud.urls.github}/alice/hello-world`]);
    expect(noSuffix.code, noSuffix.stderr).toBe(0);
    expect(noSuffix.stdout).toMatch(/refs\/heads\/main/);

    // Anonymous pushes are never allowed, even to public repositories.
    const push = await commitAndPush(pub.dest, undefined);
    expect(push.code).not.toBe(0);
  });

  it("refuses a token for repo A on repo B: private B is not found, public B cannot be pushed", async () => {
    await ctl("POST", "repos", { owner: "alice", name: "other-secret", private: true });
    const { token } = await mintToken(cloud, "alice", { repositories: ["private-notes"] });
    const other = await cloneAs("alice/other-secret", token);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("Repository not found.");

    const pub = await cloneAs("alice/hello-world", token);
    expect(pub.code, pub.stderr).toBe(0);
    const push = await commitAndPush(pub.dest, token);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("Permission to alice/hello-world.git denied to berth-local[bot].");
    expect(push.stderr).toContain("403");
    const log = await ctl("GET", "repos/alice/hello-world/commits");
    expect(log.json.commits).toHaveLength(1);
  });

  it("refuses an expired or revoked token with 401 (Invalid username or password)", async () => {
    const { token } = await mintToken(cloud, "alice");
    const clone = await cloneAs("alice/private-notes", token);
    expect(clone.code).toBe(0);
    expect((await ctl("POST", "tokens/expire", { token })).json.count).toBe(1);
    const fetchExpired = await git.run(["fetch", "origin"], { cwd: clone.dest, token });
    expect(fetchExpired.code).not.toBe(0);
    expect(fetchExpired.stderr).toMatch(/Invalid username or password|Authentication failed/);

    const fresh = await mintToken(cloud, "alice");
    expect((await git.run(["fetch", "origin"], { cwd: clone.dest, token: fresh.token })).code).toBe(0);
    await ctl("POST", "tokens/revoke", { token: fresh.token });
    const res = await fetch(`${url("alice/private-notes")}/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x-access-token:${fresh.token}`).toString("base64")}` },
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Invalid username or password.");
  });

  it("expires tokens after the App's token lifetime (configurable for tests)", async () => {
    await ctl("PATCH", "app", { token_ttl_seconds: 1 });
    const { token, expires_at } = await mintToken(cloud, "alice");
    expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(1000);
    const realNow = Date.now;
    Date.now = () => realNow() + 2000;
    try {
      const r = await cloneAs("alice/private-notes", token);
      expect(r.code).not.toBe(0);
    } finally {
      Date.now = realNow;
      await ctl("PATCH", "app", { token_ttl_seconds: 3600 });
    }
  });

  it("refuses a push with a contents:read token (403) but lets it fetch", async () => {
    const { token } = await mintToken(cloud, "alice", { permissions: { contents: "read" } });
    const clone = await cloneAs("alice/private-notes", token);
    expect(clone.code, clone.stderr).toBe(0);
    const push = await commitAndPush(clone.dest, token);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("Permission to alice/private-notes.git denied to berth-local[bot].");
  });

  it("pushes a new branch, and a user token of the App works for its owner but not for others", async () => {
    const alice = cloud.github.mintToken("alice");
    const bob = cloud.github.mintToken("bob");
    const clone = await cloneAs("alice/private-notes", alice);
    expect(clone.code, clone.stderr).toBe(0);
    const push = await commitAndPush(clone.dest, alice, "feature/notes");
    expect(push.code, push.stderr).toBe(0);
    const log = await ctl("GET", "repos/alice/private-notes/commits?branch=feature/notes");
    expect(log.json.commits[0].message).toBe("Notes from the workspace");
    const refused = await cloneAs("alice/private-notes", bob);
    expect(refused.stderr).toContain("Repository not found.");
  });

  it("stops an uninstalled or suspended installation's tokens at once", async () => {
    const { token } = await mintToken(cloud, "alice");
    expect((await ctl("PUT", "installations/alice/suspended")).status).toBe(200);
    const suspended = await cloneAs("alice/private-notes", token);
    expect(suspended.code).not.toBe(0);
    expect(suspended.stderr).toContain("This installation has been suspended.");
    await ctl("DELETE", "installations/alice/suspended");
    expect((await cloneAs("alice/private-notes", token)).code).toBe(0);
    await ctl("DELETE", "installations/alice");
    const gone = await cloneAs("alice/private-notes", token);
    expect(gone.code).not.toBe(0);
  });

  it("takes gzip request bodies (many haves) and chunked pushes larger than git's post buffer", async () => {
    const { token } = await mintToken(cloud, "alice");
    const clone = await cloneAs("alice/private-notes", token);
    // 3 MB of incompressible data: git streams it chunked, without a Content-Length.
    writeFileSync(join(clone.dest, "big.bin"), randomBytes(3 * 1024 * 1024));
    await git.run(["add", "big.bin"], { cwd: clone.dest });
    await git.run(["commit", "-m", "A big file"], { cwd: clone.dest });
    const push = await git.run(["push", "origin", "HEAD:refs/heads/big"], { cwd: clone.dest, token });
    expect(push.code, push.stderr).toBe(0);

    // Forty local commits the server lacks: fetching sends them as "have" lines, gzipped.
    for (let i = 0; i < 40; i++)
      await git.run(["commit", "--allow-empty", "-m", `local ${i}`], { cwd: clone.dest });
    await ctl("POST", "repos/alice/private-notes/commits", { branch: "main", files: { "new.txt": "x\n" } });
    await ctl("DELETE", "requests");
    const fetched = await git.run(["fetch", "origin", "main"], { cwd: clone.dest, token });
    expect(fetched.code, fetched.stderr).toBe(0);
    const recorded: Json[] = (await ctl("GET", "requests")).json;
    const posts = recorded.filter((r) => r.path.endsWith("/git-upload-pack"));
    expect(posts.some((r) => r.headers["content-encoding"] === "gzip")).toBe(true);
    expect(posts.every((r) => r.status === 200)).toBe(true);
    const show = await git.run(["show", "FETCH_HEAD:new.txt"], { cwd: clone.dest });
    expect(show.stdout).toBe("x\n");
  });

  it("records git requests without credentials, and fault injection can fail them", async () => {
    const { token } = await mintToken(cloud, "alice");
    await ctl("DELETE", "requests");
    await ctl("POST", "faults", { path: "/alice/private-notes.git/info/refs", status: 500 });
    const failed = await cloneAs("alice/private-notes", token);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("500");
    expect((await cloneAs("alice/private-notes", token)).code).toBe(0);
    const recorded: Json[] = (await ctl("GET", "requests")).json;
    expect(recorded.some((r) => r.fault === "status" && r.status === 500)).toBe(true);
    expect(
      recorded.some((r) => r.path === "/alice/private-notes.git/git-upload-pack" && r.status === 200),
    ).toBe(true);
    expect(JSON.stringify(recorded)).not.toContain(token);
    expect(JSON.stringify((await ctl("GET", "state")).json)).not.toContain(token);
  });

  it("loseResponse on a push: the commit lands, the client sees the connection drop", async () => {
    const { token } = await mintToken(cloud, "alice");
    const clone = await cloneAs("alice/private-notes", token);
    await ctl("POST", "faults", {
      path: "/alice/private-notes.git/git-receive-pack",
      method: "POST",
      loseResponse: true,
    });
    const push = await commitAndPush(clone.dest, token);
    expect(push.code).not.toBe(0);
    const log = await ctl("GET", "repos/alice/private-notes/commits");
    expect(log.json.commits[0].message).toBe("Notes from the workspace");
    const recorded: Json[] = (await ctl("GET", "requests")).json;
    expect(recorded.find((r) => r.fault === "lost")).toMatchObject({ status: 200 });
  });
});
