/**
 * Pull requests and the repository picker's listing, against the in-test fake of GitHub's App
 * endpoints (support/github-fake.ts) until the GitHub stand-in serves them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPullRequest } from "../src/github/pull-request.ts";
import { decodeCursor, listRepositories, type RepositoryItem } from "../src/github/repositories.ts";
import type { LifecycleDeps } from "../src/workspaces/reconcile.ts";
import { createWorkspace } from "../src/workspaces/service.ts";
import { updateWorkspace } from "../src/workspaces/store.ts";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { FakeGitHub, type FakeRepo, fakeGithubDeps } from "./support/github-fake.ts";
import { depsAt, load } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

async function caught(p: Promise<unknown>) {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { status: number; code: string; message: string } | null;
  if (!err) throw new Error("expected an error");
  return err;
}

describe("POST /api/workspaces/{id}/pull-request", () => {
  let user: TestUser;
  let stranger: TestUser;
  const fake = new FakeGitHub();
  const repo: FakeRepo = { owner: "acme", name: "shop", defaultBranch: "main", branches: { main: "a1" } };
  let deps: LifecycleDeps;
  let id: string;

  beforeAll(async () => {
    user = await newUser("ghpr");
    stranger = await newUser("ghpr-x");
    fake.installations.push({ id: 701, account: "acme", users: [], repos: [repo] });
    deps = { ...depsAt(), github: fakeGithubDeps(fake) };
    const web = deps.github.settings.webUrl;
    // Only the row matters here: no VM is needed to open a pull request.
    id = (await createWorkspace(deps, user.id, { repo_url: `${web}/acme/shop.git` }, null)).workspace.id;
    await updateWorkspace(deps.db, id, { state: "failed", cleanedUpAt: new Date() });
  });
  afterAll(async () => {
    await cleanUpUser(user);
    await cleanUpUser(stranger);
  });

  const open = async (title = "Add checkout") =>
    openPullRequest(deps, await load(id), { title, body: "Made in Berth" });
  const reportBranch = (branch: string | null) => updateWorkspace(deps.db, id, { gitBranch: branch });

  it("needs a reported branch (409)", async () => {
    await reportBranch(null);
    const err = await caught(open());
    expect(err).toMatchObject({ status: 409, code: "conflict" });
    expect(err.message).toMatch(/not reported a branch/);
  });

  it("refuses the default branch (422)", async () => {
    await reportBranch("main");
    const err = await caught(open());
    expect(err).toMatchObject({ status: 422, code: "validation_failed" });
    expect(err.message).toMatch(/default branch/);
  });

  it("says push first when GitHub has no such branch (409)", async () => {
    await reportBranch("feature/checkout");
    const err = await caught(open());
    expect(err).toMatchObject({ status: 409, code: "conflict" });
    expect(err.message).toContain("push first (git push -u origin feature/checkout)");
    expect(fake.seen.some((r) => r.path === "/repos/acme/shop/branches/feature/checkout")).toBe(true);
  });

  it("says nothing to compare when the branch has no new commits (422)", async () => {
    (repo.branches as Record<string, string>)["feature/checkout"] = "a1";
    const err = await caught(open());
    expect(err).toMatchObject({ status: 422, code: "validation_failed" });
    expect(err.message).toMatch(/nothing to compare/);
  });

  it("opens the pull request with an installation token for this repo, records it, then refuses a second", async () => {
    (repo.branches as Record<string, string>)["feature/checkout"] = "b2";
    const pr = await open();
    expect(pr).toEqual({ url: "https://github.test/acme/shop/pull/1", number: 1 });
    expect(fake.pulls[0]).toMatchObject({
      repo: "acme/shop",
      head: "feature/checkout",
      base: "main",
      title: "Add checkout",
      body: "Made in Berth",
    });
    const create = fake.seen.find((r) => r.path === "/repos/acme/shop/pulls");
    const token = create?.authorization?.replace(/^Bearer /, "") ?? "";
    expect(fake.minted.get(token)?.repos).toEqual(["shop"]);
    const events = (await (
      await api(`/api/workspaces/${id}/events`, { headers: { cookie: user.cookie } })
    ).json()) as {
      events: Array<{ type: string; message: string }>;
    };
    expect(events.events.find((e) => e.type === "pull_request")?.message).toContain(
      "#1 (feature/checkout → main)",
    );
    const view = (await (
      await api(`/api/workspaces/${id}`, { headers: { cookie: user.cookie } })
    ).json()) as {
      git: { pull_request: unknown };
    };
    expect(view.git.pull_request).toEqual({ ...pr, branch: "feature/checkout" });
    const again = await caught(open());
    expect(again).toMatchObject({ status: 409, code: "conflict" });
    expect(again.message).toMatch(/already open/);
  });

  it("over HTTP: another user's workspace is a 404, a bad body a 422, a public clone a 409", async () => {
    const body = JSON.stringify({ title: "x" });
    await expectError(
      await api(`/api/workspaces/${id}/pull-request`, {
        method: "POST",
        headers: { cookie: stranger.cookie },
        body,
      }),
      404,
      "not_found",
    );
    await expectError(
      await api(`/api/workspaces/${id}/pull-request`, {
        method: "POST",
        headers: { cookie: user.cookie },
        body: JSON.stringify({ title: "" }),
      }),
      422,
      "validation_failed",
    );
    const plain = (
      await createWorkspace(deps, user.id, { repo_url: "https://gitlab.com/acme/shop.git" }, null)
    ).workspace;
    await updateWorkspace(deps.db, plain.id, { state: "failed", cleanedUpAt: new Date() });
    await expectError(
      await api(`/api/workspaces/${plain.id}/pull-request`, {
        method: "POST",
        headers: { cookie: user.cookie },
        body,
      }),
      409,
      "conflict",
    );
  });
});

describe("listing repositories for the picker", () => {
  const fake = new FakeGitHub();
  const userToken = "ghu_picker";
  const many = Array.from({ length: 230 }, (_, n) => ({
    owner: "bigorg",
    name: `service-${String(n).padStart(3, "0")}`,
  }));
  fake.userTokens.set(userToken, "picker");
  fake.installations.push(
    {
      id: 901,
      account: "picker",
      users: ["picker"],
      repos: [{ owner: "picker", name: "dotfiles", private: false, defaultBranch: "master" }],
    },
    { id: 902, account: "bigorg", users: ["picker"], repos: many },
    { id: 903, account: "hidden", users: ["someone-else"], repos: [{ owner: "hidden", name: "secret" }] },
  );
  const gh = fakeGithubDeps(fake);

  async function walk(q?: string, limit = 30): Promise<RepositoryItem[]> {
    const all: RepositoryItem[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 50; n++) {
      const page = await listRepositories(gh, userToken, { q, cursor, limit });
      expect(page.repositories.length).toBeLessThanOrEqual(limit);
      all.push(...page.repositories);
      if (!page.next_cursor) return all;
      cursor = page.next_cursor;
    }
    throw new Error("no end to the pages");
  }

  it("pages through every installation the person can see, each repo once, with its default branch", async () => {
    const all = await walk();
    expect(all).toHaveLength(231);
    expect(new Set(all.map((r) => r.full_name)).size).toBe(231);
    expect(all.some((r) => r.owner === "hidden")).toBe(false);
    expect(all[0]).toEqual({
      full_name: "picker/dotfiles",
      owner: "picker",
      name: "dotfiles",
      private: false,
      default_branch: "master",
      repo_url: `${gh.settings.webUrl}/picker/dotfiles.git`,
      installation_id: 901,
    });
    // The person's own token, not the App's JWT, asks GitHub.
    expect(fake.seen.every((r) => r.authorization === `Bearer ${userToken}`)).toBe(true);
  });

  it("searches by name, any case, across pages", async () => {
    const hits = await walk("SERVICE-1", 7);
    expect(hits.map((r) => r.name)).toEqual(Array.from({ length: 100 }, (_, n) => `service-${100 + n}`));
    expect(await walk("nothing-like-this")).toEqual([]);
  });

  it("refuses a cursor it did not make", async () => {
    expect(() => decodeCursor("not-a-cursor")).toThrowError(/next_cursor/);
    expect(() => decodeCursor(btoa(JSON.stringify([0, 0, 0])))).toThrowError(/next_cursor/);
  });
});
