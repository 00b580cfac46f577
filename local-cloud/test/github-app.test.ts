import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateGithubAppKey, signAppJwt } from "../src/github/app-key.ts";
import type { LocalCloud } from "../src/index.ts";
import { appJwt, control, githubApi, type Json, mintToken } from "./github-helpers.ts";
import { startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof githubApi>;
let ctl: ReturnType<typeof control>;

beforeAll(async () => {
  cloud = await startEphemeral();
  api = githubApi(cloud);
  ctl = control(cloud);
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await ctl("POST", "reset");
});

const now = () => Math.floor(Date.now() / 1000);

describe("GitHub App: JWT authentication", () => {
  it("serves GET /app to the App's JWT, with rate-limit headers", async () => {
    const res = await api("GET", "/app", appJwt(cloud));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 4242, slug: "berth-local", client_id: "local-github-client" });
    expect(res.json.permissions).toMatchObject({ contents: "write", pull_requests: "write" });
    expect(res.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(res.headers.get("x-ratelimit-resource")).toBe("core");
    // The client id works as the issuer too, as on GitHub.
    expect((await api("GET", "/app", appJwt(cloud, { iss: "local-github-client" }))).status).toBe(200);
  });

  it("refuses bad JWTs with 401 and GitHub's messages", async () => {
    const cases: Array<[string, string]> = [
      [
        appJwt(cloud, { iat: now() - 700, exp: now() - 10 }),
        "'Expiration time' claim ('exp') must be a numeric",
      ],
      [appJwt(cloud, { exp: now() + 660 }), "'Expiration time' claim ('exp') is too far in the future"],
      [appJwt(cloud, { iat: now() + 120, exp: now() + 500 }), "'Issued at' claim ('iat') must be an Integer"],
      [
        signAppJwt(generateGithubAppKey(), { iat: now(), exp: now() + 500, iss: 4242 }),
        "could not be decoded",
      ],
      [appJwt(cloud, { iss: 999 }), "A JSON web token could not be decoded"],
      ["eyJhbGciOiJub25lIn0.eyJpc3MiOjQyNDJ9.c2ln", "A JSON web token could not be decoded"],
    ];
    for (const [jwt, message] of cases) {
      const res = await api("GET", "/app/installations", jwt);
      expect(res.status, message).toBe(401);
      expect(res.json.message).toContain(message);
      expect(res.json.documentation_url).toMatch(/^https:\/\/docs\.github\.com\/rest/);
    }
    // Ten minutes exactly is allowed; a user or installation token is no JWT.
    expect((await api("GET", "/app", appJwt(cloud, { iat: now(), exp: now() + 600 }))).status).toBe(200);
    const { token } = await mintToken(cloud, "alice");
    expect((await api("GET", "/app/installations", token)).status).toBe(401);
    expect((await api("GET", "/app", cloud.github.mintToken("alice"))).status).toBe(401);
  });
});

describe("GitHub App: installations and access tokens", () => {
  it("finds installations by repo, user and org; 404 where the App is not installed", async () => {
    const jwt = appJwt(cloud);
    const repoInst = await api("GET", "/repos/alice/private-notes/installation", jwt);
    expect(repoInst.status).toBe(200);
    expect(repoInst.json).toMatchObject({
      app_slug: "berth-local",
      app_id: 4242,
      target_type: "User",
      repository_selection: "all",
      account: { login: "alice", id: 1001, type: "User" },
      suspended_at: null,
    });
    expect(repoInst.json.access_tokens_url).toBe(
      `${cloud.urls.github}/app/installations/${repoInst.json.id}/access_tokens`,
    );
    expect((await api("GET", "/users/alice/installation", jwt)).json.id).toBe(repoInst.json.id);
    const missing = await api("GET", "/repos/bob/dotfiles/installation", jwt);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe("Not Found");
    expect((await api("GET", "/repos/alice/nope/installation", jwt)).status).toBe(404);

    await ctl("POST", "repos", { owner: "acme", name: "app", private: true, organization: true });
    await ctl("PUT", "installations/acme", { repositories: ["app"] });
    const org = await api("GET", "/orgs/acme/installation", jwt);
    expect(org.json).toMatchObject({ target_type: "Organization", repository_selection: "selected" });
    expect((await api("GET", "/users/acme/installation", jwt)).status).toBe(404);
  });

  it("lists installations with Link pagination", async () => {
    for (const who of ["bob", "carol", "dora"])
      expect((await ctl("PUT", `installations/${who}`)).status).toBe(200);
    const jwt = appJwt(cloud);
    const first = await api("GET", "/app/installations?per_page=3", jwt);
    expect(first.json.map((i: Json) => i.account.login)).toEqual(["alice", "bob", "carol"]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(next).toContain("page=2");
    const second = await fetch(next, { headers: { authorization: `Bearer ${jwt}` } });
    expect(((await second.json()) as Json[]).map((i) => i.account.login)).toEqual(["dora"]);
    expect(second.headers.get("link")).toContain('rel="prev"');
    expect(second.headers.get("link")).not.toContain('rel="next"');
  });

  it("mints ghs_ tokens an hour long, restricted by repositories or repository_ids and permissions", async () => {
    const jwt = appJwt(cloud);
    const inst = (await api("GET", "/users/alice/installation", jwt)).json;
    const res = await api("POST", `/app/installations/${inst.id}/access_tokens`, jwt, {
      repositories: ["private-notes"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    expect(res.status).toBe(201);
    expect(res.json.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    const ttl = Date.parse(res.json.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    expect(res.json.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.json).toMatchObject({
      repository_selection: "selected",
      permissions: { contents: "write", pull_requests: "write", metadata: "read" },
    });
    expect(res.json.repositories.map((r: Json) => r.full_name)).toEqual(["alice/private-notes"]);

    const repoId = res.json.repositories[0].id;
    const byId = await api("POST", `/app/installations/${inst.id}/access_tokens`, jwt, {
      repository_ids: [repoId],
    });
    expect(byId.json.repositories.map((r: Json) => r.id)).toEqual([repoId]);
    const unrestricted = await api("POST", `/app/installations/${inst.id}/access_tokens`, jwt);
    expect(unrestricted.status).toBe(201);
    expect(unrestricted.json.repository_selection).toBe("all");
    expect(unrestricted.json.repositories).toBeUndefined();
  });

  it("answers 422 for a repository outside the installation or a permission the App lacks", async () => {
    const jwt = appJwt(cloud);
    const inst = (await api("GET", "/users/alice/installation", jwt)).json;
    const path = `/app/installations/${inst.id}/access_tokens`;
    for (const body of [
      { repositories: ["dotfiles"] },
      { repositories: ["nope"] },
      { repository_ids: [1] },
    ]) {
      const res = await api("POST", path, jwt, body);
      expect(res.status).toBe(422);
      expect(res.json.message).toBe(
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
      );
    }
    for (const permissions of [
      { administration: "write" },
      { contents: "admin" },
      { contents: "sideways" },
    ]) {
      const res = await api("POST", path, jwt, { permissions });
      expect(res.status).toBe(422);
      expect(res.json.message).toBe("The permissions requested are not granted to this installation.");
    }
    expect((await api("POST", "/app/installations/1/access_tokens", jwt)).status).toBe(404);
    await ctl("PUT", "installations/alice/suspended");
    const suspended = await api("POST", path, jwt);
    expect(suspended.status).toBe(403);
    expect(suspended.json.message).toBe("This installation has been suspended");
  });

  it("lists an installation token's repositories, paginated; an expired one gets 401", async () => {
    for (const name of ["a", "b", "c"]) await ctl("POST", "repos", { owner: "alice", name, private: true });
    const { token } = await mintToken(cloud, "alice");
    const page1 = await api("GET", "/installation/repositories?per_page=2", token);
    expect(page1.status).toBe(200);
    expect(page1.json.total_count).toBe(5);
    expect(page1.json.repositories.map((r: Json) => r.full_name)).toEqual([
      "alice/private-notes",
      "alice/hello-world",
    ]);
    expect(page1.headers.get("link")).toContain('rel="last"');
    const page3 = await api("GET", "/installation/repositories?per_page=2&page=3", token);
    expect(page3.json.repositories.map((r: Json) => r.name)).toEqual(["c"]);

    const narrow = await mintToken(cloud, "alice", { repositories: ["b"] });
    const only = await api("GET", "/installation/repositories", narrow.token);
    expect(only.json).toMatchObject({ total_count: 1, repository_selection: "selected" });

    await ctl("POST", "tokens/expire", { token });
    const expired = await api("GET", "/installation/repositories", token);
    expect(expired.status).toBe(401);
    expect(expired.json.message).toBe("Bad credentials");
    // A token can revoke itself, as on GitHub.
    expect((await api("DELETE", "/installation/token", narrow.token)).status).toBe(204);
    expect((await api("GET", "/installation/repositories", narrow.token)).status).toBe(401);
  });
});

describe("GitHub App: what a person reaches", () => {
  it("lists the installations and repositories a user token can reach, and no others", async () => {
    const alice = cloud.github.mintToken("alice");
    const bob = cloud.github.mintToken("bob");
    const mine = await api("GET", "/user/installations", alice);
    expect(mine.status).toBe(200);
    expect(mine.json.total_count).toBe(1);
    expect(mine.json.installations[0].account.login).toBe("alice");
    const id = mine.json.installations[0].id;
    const repos = await api("GET", `/user/installations/${id}/repositories`, alice);
    expect(repos.json.repositories.map((r: Json) => [r.full_name, r.private, r.default_branch])).toEqual([
      ["alice/private-notes", true, "main"],
      ["alice/hello-world", false, "main"],
    ]);
    expect(repos.json.repositories[0].permissions).toMatchObject({ admin: true, push: true });

    expect((await api("GET", "/user/installations", bob)).json).toEqual({
      total_count: 0,
      installations: [],
    });
    expect((await api("GET", `/user/installations/${id}/repositories`, bob)).status).toBe(404);
    // A collaborator reaches the installation, but only the repositories they can write to.
    await ctl("PUT", "repos/alice/hello-world/collaborators/bob");
    expect((await api("GET", "/user/installations", bob)).json.total_count).toBe(1);
    const shared = await api("GET", `/user/installations/${id}/repositories`, bob);
    expect(shared.json.repositories.map((r: Json) => r.full_name)).toEqual(["alice/hello-world"]);
    expect(shared.json.repositories[0].permissions.admin).toBe(false);

    // Org members reach the org's installation.
    await ctl("POST", "repos", { owner: "acme", name: "app", private: true, organization: true });
    await ctl("PUT", "installations/acme");
    const carol = cloud.github.mintToken("carol");
    expect((await api("GET", "/user/installations", carol)).json.total_count).toBe(0);
    await ctl("PUT", "orgs/acme/members/carol");
    const orgs = await api("GET", "/user/installations", carol);
    expect(orgs.json.installations.map((i: Json) => [i.account.login, i.target_type])).toEqual([
      ["acme", "Organization"],
    ]);

    const { token } = await mintToken(cloud, "alice");
    expect((await api("GET", "/user/installations", token)).status).toBe(403);
    expect((await api("GET", "/user/installations")).status).toBe(401);
  });

  it("paginates /user/installations/:id/repositories", async () => {
    for (let i = 0; i < 4; i++) await ctl("POST", "repos", { owner: "alice", name: `r${i}` });
    const alice = cloud.github.mintToken("alice");
    const id = (await api("GET", "/user/installations", alice)).json.installations[0].id;
    const page = await api("GET", `/user/installations/${id}/repositories?per_page=4&page=2`, alice);
    expect(page.json.total_count).toBe(6);
    expect(page.json.repositories.map((r: Json) => r.name)).toEqual(["r2", "r3"]);
    expect(page.headers.get("link")).toContain('rel="first"');
  });
});

describe("GitHub stand-in: repositories and branches", () => {
  it("shows a private repo only to tokens that reach it; public ones to anyone", async () => {
    const { token } = await mintToken(cloud, "alice", { repositories: ["private-notes"] });
    const repo = await api("GET", "/repos/alice/private-notes", token);
    expect(repo.status).toBe(200);
    expect(repo.json).toMatchObject({
      full_name: "alice/private-notes",
      private: true,
      visibility: "private",
      default_branch: "main",
      owner: { login: "alice", type: "User" },
      clone_url: `${cloud.urls.github}/alice/private-notes.git`,
      html_url: `${cloud.urls.github}/alice/private-notes`,
      permissions: { push: true, pull: true },
    });
    expect((await api("GET", "/repos/ALICE/Private-Notes", token)).status).toBe(200);
    for (const auth of [undefined, cloud.github.mintToken("bob")]) {
      const hidden = await api("GET", "/repos/alice/private-notes", auth);
      expect(hidden.status).toBe(404);
      expect(hidden.json.message).toBe("Not Found");
    }
    const other = await mintToken(cloud, "alice", { repositories: ["hello-world"] });
    expect((await api("GET", "/repos/alice/private-notes", other.token)).status).toBe(404);
    const pub = await api("GET", "/repos/bob/dotfiles");
    expect(pub.status).toBe(200);
    expect(pub.headers.get("x-ratelimit-limit")).toBe("60");
    expect((await api("GET", "/repos/alice/private-notes", "gho_nope")).status).toBe(401);
  });

  it("gets a branch with its head commit; 404 Branch not found", async () => {
    const { token } = await mintToken(cloud, "alice");
    await ctl("POST", "repos/alice/private-notes/commits", {
      branch: "feature/x",
      from: "main",
      files: { "x.txt": "x\n" },
      message: "Add x",
      author: { name: "Alice Liddell", email: "alice@example.test" },
    });
    const res = await api("GET", "/repos/alice/private-notes/branches/feature/x", token);
    expect(res.status).toBe(200);
    expect(res.json.name).toBe("feature/x");
    expect(res.json.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(res.json.commit.commit).toMatchObject({
      message: "Add x",
      author: { name: "Alice Liddell", email: "alice@example.test" },
    });
    expect(res.json.commit.commit.author.date).toMatch(/Z$/);
    expect(res.json.commit.parents).toHaveLength(1);
    expect(res.json.commit.author).toMatchObject({ login: "alice", id: 1001 });
    const missing = await api("GET", "/repos/alice/private-notes/branches/nope", token);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe("Branch not found");
  });

  it("lets fault injection fail the App's endpoints (500, 403 rate limit)", async () => {
    await ctl("POST", "faults", { path: "/app/installations", status: 500 });
    const jwt = appJwt(cloud);
    const failed = await api("GET", "/app/installations", jwt);
    expect(failed.status).toBe(500);
    expect(failed.json.message).toBe("Server Error");
    await ctl("POST", "faults", { path: "/repos/alice/private-notes", status: 403 });
    const limited = await api("GET", "/repos/alice/private-notes", jwt);
    expect(limited.status).toBe(403);
    expect(limited.json.message).toMatch(/rate limit/);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await api("GET", "/app/installations", jwt)).status).toBe(200);
  });

  it("never records or dumps a token", async () => {
    await ctl("DELETE", "requests");
    const { token } = await mintToken(cloud, "alice");
    await api("GET", "/installation/repositories", token);
    await ctl("POST", "tokens/expire", { token });
    const recorded = JSON.stringify((await ctl("GET", "requests")).json);
    expect(recorded).toContain("/installation/repositories");
    expect(recorded).not.toContain(token);
    expect(JSON.stringify((await ctl("GET", "state")).json)).not.toContain(token);
  });

  it("hands local mode the App's id, slug, client and private key", async () => {
    const app = (await ctl("GET", "app")).json;
    expect(app).toMatchObject({ id: 4242, slug: "berth-local", client_id: "local-github-client" });
    expect(app.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const jwt = signAppJwt(app.private_key, { iat: now() - 60, exp: now() + 540, iss: app.id });
    expect((await api("GET", "/app", jwt)).status).toBe(200);
    // Where "install the App" links go.
    const page = await fetch(`${cloud.urls.github}/apps/berth-local/installations/new`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<code>alice</code>: all repositories");
  });
});

describe("GitHub App: user tokens", () => {
  it("reads /user/emails through the App's email permission when the token has no OAuth scopes", async () => {
    const scopeless = cloud.github.mintToken("carol", "");
    const emails = await api("GET", "/user/emails", scopeless);
    expect(emails.status).toBe(200);
    expect(emails.json.find((e: Json) => e.primary)).toMatchObject({ email: "carol@example.test" });
    await ctl("PATCH", "app", {
      permissions: { contents: "write", pull_requests: "write", metadata: "read" },
    });
    try {
      expect((await api("GET", "/user/emails", scopeless)).status).toBe(404);
    } finally {
      await ctl("PATCH", "app", {
        permissions: { contents: "write", pull_requests: "write", metadata: "read", emails: "read" },
      });
    }
  });
});

describe("GitHub App: rate limits", () => {
  it("counts requests per token and answers 403 past the limit, like GitHub", async () => {
    const small = await startEphemeral({
      githubRateLimit: { limit: 3, anonymousLimit: 1 },
      githubFixture: true,
    });
    try {
      const smallApi = githubApi(small);
      const { token } = await mintToken(small, "alice");
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await smallApi("GET", "/installation/repositories", token);
        expect(r.status).toBe(200);
        remaining.push(r.headers.get("x-ratelimit-remaining") ?? "");
      }
      expect(remaining).toEqual(["2", "1", "0"]);
      const over = await smallApi("GET", "/installation/repositories", token);
      expect(over.status).toBe(403);
      expect(over.json.message).toMatch(/^API rate limit exceeded for installation ID \d+\.$/);
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
      expect((await smallApi("GET", "/repos/alice/hello-world")).status).toBe(200);
      expect((await smallApi("GET", "/repos/alice/hello-world")).status).toBe(403);
    } finally {
      await small.stop();
    }
  });
});

describe("githubControl (the fetch-only client)", () => {
  it("drives the App's controls", async () => {
    const { githubControl } = await import("../src/client.ts");
    const gh = githubControl(cloud.urls.github);
    expect((await gh.app()).slug).toBe("berth-local");
    const repo = await gh.createRepo({ owner: "dora", name: "thesis", private: true });
    expect(repo.clone_url).toBe(`${cloud.urls.github}/dora/thesis.git`);
    const inst = await gh.install("dora", ["thesis"]);
    const sha = await gh.commit("dora", "thesis", {
      branch: "draft",
      from: "main",
      files: { "ch1.md": "One\n" },
    });
    const commits = await gh.commits("dora", "thesis", "draft");
    expect(commits[0]?.sha).toBe(sha);
    expect(commits).toHaveLength(2);
    const { token } = await mintToken(cloud, "dora");
    expect(await gh.endTokens("revoke", { installation_id: inst.id })).toBe(1);
    expect((await api("GET", "/installation/repositories", token)).status).toBe(401);
    await gh.suspend("dora");
    expect(
      (await ctl("GET", "state")).json.installations.find((i: Json) => i.account === "dora").suspended,
    ).toBe(true);
    await gh.uninstall("dora");
    await gh.deleteRepo("dora", "thesis");
    expect((await api("GET", "/repos/dora/thesis")).status).toBe(404);
  });
});
