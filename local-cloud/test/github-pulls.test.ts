import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { control, githubApi, type Json, mintToken } from "./github-helpers.ts";
import { startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof githubApi>;
let ctl: ReturnType<typeof control>;
const PULLS = "/repos/alice/private-notes/pulls";

beforeAll(async () => {
  cloud = await startEphemeral();
  api = githubApi(cloud);
  ctl = control(cloud);
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await ctl("POST", "reset");
});

async function branch(name: string, files: Record<string, string> = { [`${name}.txt`]: `${name}\n` }) {
  const res = await ctl("POST", "repos/alice/private-notes/commits", {
    branch: name,
    from: "main",
    files,
    message: `Work on ${name}`,
  });
  expect(res.status).toBe(201);
  return res.json.sha as string;
}

describe("pull requests", () => {
  it("opens a pull request from a pushed branch, as the App's bot", async () => {
    const sha = await branch("feature");
    const { token } = await mintToken(cloud, "alice", {
      repositories: ["private-notes"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    const res = await api("POST", PULLS, token, {
      title: "Notes",
      body: "Made in Berth",
      head: "feature",
      base: "main",
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      number: 1,
      state: "open",
      title: "Notes",
      body: "Made in Berth",
      draft: false,
      merged: false,
      commits: 1,
      additions: 1,
      changed_files: 1,
      html_url: `${cloud.urls.github}/alice/private-notes/pull/1`,
      user: { login: "berth-local[bot]", type: "Bot" },
      head: { ref: "feature", sha, label: "alice:feature" },
      base: { ref: "main", repo: { full_name: "alice/private-notes" } },
    });
    expect(res.headers.get("location")).toBe(`${cloud.urls.github}/repos/alice/private-notes/pulls/1`);
    expect(res.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    const page = await fetch(res.json.html_url);
    expect(await page.text()).toContain("Notes");
    expect((await api("GET", `${PULLS}/1`, token)).json.title).toBe("Notes");
    // "owner:branch" works as head too.
    await branch("other");
    const second = await api("POST", PULLS, token, { title: "Other", head: "alice:other", base: "main" });
    expect(second.json.number).toBe(2);
  });

  it("answers 422 like GitHub: no commits between, missing head or base, an existing PR, missing fields", async () => {
    const { token } = await mintToken(cloud, "alice");
    await ctl("POST", "repos/alice/private-notes/commits", { branch: "same", from: "main", files: {} });
    const same = await api("POST", PULLS, token, { title: "t", head: "same", base: "main" });
    expect(same.status).toBe(422);
    expect(same.json).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: "No commits between main and same" }],
    });
    const noHead = await api("POST", PULLS, token, { title: "t", head: "not-pushed", base: "main" });
    expect(noHead.status).toBe(422);
    expect(noHead.json.errors).toEqual([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    await branch("feature");
    const noBase = await api("POST", PULLS, token, { title: "t", head: "feature", base: "nope" });
    expect(noBase.json.errors).toEqual([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    const fork = await api("POST", PULLS, token, { title: "t", head: "bob:feature", base: "main" });
    expect(fork.json.errors?.[0]?.field).toBe("head");
    expect((await api("POST", PULLS, token, { title: "t", head: "feature", base: "main" })).status).toBe(201);
    const again = await api("POST", PULLS, token, { title: "t", head: "feature", base: "main" });
    expect(again.status).toBe(422);
    expect(again.json.errors[0].message).toBe("A pull request already exists for alice:feature.");
    const missing = await api("POST", PULLS, token, { head: "feature" });
    expect(missing.status).toBe(422);
    expect(missing.json.message).toContain('"title" wasn\'t supplied.');
  });

  it("refuses tokens without pull_requests:write (403) and hides private repos from others (404)", async () => {
    await branch("feature");
    const readOnly = await mintToken(cloud, "alice", { permissions: { contents: "write" } });
    const res = await api("POST", PULLS, readOnly.token, { title: "t", head: "feature", base: "main" });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe("Resource not accessible by integration");
    const elsewhere = await mintToken(cloud, "alice", { repositories: ["hello-world"] });
    expect(
      (await api("POST", PULLS, elsewhere.token, { title: "t", head: "feature", base: "main" })).status,
    ).toBe(404);
    expect((await api("POST", PULLS, undefined, { title: "t", head: "feature", base: "main" })).status).toBe(
      404,
    );
  });

  it("opens one as the person with their user token", async () => {
    await branch("feature");
    const res = await api("POST", PULLS, cloud.github.mintToken("alice"), {
      title: "Mine",
      head: "feature",
      base: "main",
    });
    expect(res.status).toBe(201);
    expect(res.json.user).toMatchObject({ login: "alice", id: 1001, type: "User" });
    expect(res.json.author_association).toBe("OWNER");
  });

  it("lists pull requests, newest first, filtered by head and paginated", async () => {
    const { token } = await mintToken(cloud, "alice");
    for (const b of ["one", "two", "three"]) {
      await branch(b);
      expect((await api("POST", PULLS, token, { title: b, head: b, base: "main" })).status).toBe(201);
    }
    const all = await api("GET", `${PULLS}?per_page=2`, token);
    expect(all.json.map((p: Json) => p.title)).toEqual(["three", "two"]);
    expect(all.headers.get("link")).toContain('rel="next"');
    const byHead = await api("GET", `${PULLS}?head=alice:two&state=open`, token);
    expect(byHead.json.map((p: Json) => p.number)).toEqual([2]);
    expect((await api("GET", `${PULLS}?state=closed`, token)).json).toEqual([]);
    expect((await api("GET", PULLS)).status).toBe(404);
  });
});

describe("compare", () => {
  it("says how far a branch is ahead of its base", async () => {
    const { token } = await mintToken(cloud, "alice");
    await branch("ahead");
    const res = await api("GET", "/repos/alice/private-notes/compare/main...ahead", token);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1 });
    expect(res.json.commits.map((c: Json) => c.commit.message)).toEqual(["Work on ahead"]);
    const same = await api("GET", "/repos/alice/private-notes/compare/main...main", token);
    expect(same.json).toMatchObject({ status: "identical", ahead_by: 0 });
    expect((await api("GET", "/repos/alice/private-notes/compare/main...nope", token)).status).toBe(404);
    // An installation token is no person.
    expect((await api("GET", "/user", token)).status).toBe(403);
  });
});
