/**
 * Workspaces on GitHub repositories, through the App: the check before any VM, the bootstrap's git
 * identity, installation tokens for the workspace's own repository only, a revoked installation,
 * and git status. GitHub's App endpoints come from the in-test fake (support/github-fake.ts) until
 * the GitHub stand-in serves them; Hetzner, Cloudflare, D1 and the VM routes are the real ones.
 */
import { env } from "cloudflare:workers";
import { gitCredentialsResponseSchema } from "@berth/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitCredentials } from "../src/github/access.ts";
import type { LifecycleDeps } from "../src/workspaces/reconcile.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace } from "../src/workspaces/service.ts";
import {
  cleanUpUser,
  expectError,
  newUser,
  ownerRows,
  ownerServers,
  type TestUser,
} from "./support/api-cases.ts";
import { FakeGitHub, fakeGithubDeps } from "./support/github-fake.ts";
import { bootstrapTokenOf, depsAt, load, vmCall, waitFor } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

const web = new URL(env.GITHUB_WEB_URL ?? "").origin;
const repoUrl = (owner: string, name: string) => `${web}/${owner}/${name}.git`;

function depsWith(fake: FakeGitHub): LifecycleDeps {
  return { ...depsAt(), github: fakeGithubDeps(fake) };
}

async function apiError(p: Promise<unknown>) {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { status: number; code: string; message: string; details?: unknown } | null;
  if (!err) throw new Error("expected an error");
  return err;
}

/** Creates through the domain function (fake GitHub), reconciles until booting, plays bootstrap and ready. */
async function startedWorkspace(deps: LifecycleDeps, user: TestUser, url: string) {
  const { workspace } = await createWorkspace(deps, user.id, { repo_url: url }, null);
  await reconcileWorkspace(deps, workspace);
  const booting = await waitFor("booting", async () => {
    const ws = await load(workspace.id);
    return ws.state === "booting" && ws.serverId ? ws : null;
  });
  const boot = await vmCall(workspace.id, "bootstrap", await bootstrapTokenOf(booting.serverId ?? 0));
  expect(boot.status).toBe(200);
  const bootstrap = (await boot.json()) as { callback_token: string; git?: unknown };
  expect((await vmCall(workspace.id, "ready", bootstrap.callback_token, { runtime: "host" })).status).toBe(
    200,
  );
  return { id: workspace.id, callbackToken: bootstrap.callback_token, bootstrap };
}

describe("creating a workspace on a GitHub repository", () => {
  let user: TestUser;
  const fake = new FakeGitHub();
  beforeAll(async () => {
    user = await newUser("ghcreate");
    fake.installations.push({ id: 501, account: "acme", users: [], repos: [{ owner: "acme", name: "api" }] });
  });
  afterAll(async () => cleanUpUser(user));

  it("refuses a repo without the App with 422 and an install link, and makes no VM", async () => {
    const deps = depsWith(fake);
    const err = await apiError(
      createWorkspace(deps, user.id, { repo_url: repoUrl("acme", "private-thing") }, null),
    );
    expect(err.status).toBe(422);
    expect(err.code).toBe("github_app_not_installed");
    const link = `${web}/apps/${env.GITHUB_APP_SLUG}/installations/new`;
    expect(err.message).toContain(link);
    expect(err.message).toContain("acme/private-thing");
    expect(err.details).toEqual([{ path: "repo_url", message: `install the GitHub App: ${link}` }]);
    // It asked GitHub as the App, and nothing was recorded or created.
    expect(fake.seen.at(-1)?.path).toBe("/repos/acme/private-thing/installation");
    expect(await ownerRows(user.id)).toEqual([]);
    expect(await ownerServers(user.id)).toEqual([]);
  });

  it("stores owner/repo and the installation for an installed repo; other URLs stay public clones", async () => {
    const deps = depsWith(fake);
    const { workspace } = await createWorkspace(deps, user.id, { repo_url: `${web}/acme/api` }, null);
    expect(workspace.githubRepository).toBe("acme/api");
    expect(workspace.githubInstallationId).toBe(501);
    const seen = fake.seen.length;
    const { workspace: plain } = await createWorkspace(
      deps,
      user.id,
      { repo_url: "https://gitlab.com/acme/api.git" },
      null,
    );
    expect(plain.githubRepository).toBeNull();
    expect(fake.seen.length).toBe(seen);
  });
});

describe("git credentials for a workspace", () => {
  let user: TestUser;
  let other: TestUser;
  const fake = new FakeGitHub();
  let deps: LifecycleDeps;
  let a: Awaited<ReturnType<typeof startedWorkspace>>;
  let b: Awaited<ReturnType<typeof startedWorkspace>>;

  beforeAll(async () => {
    user = await newUser("ghcreds");
    other = await newUser("ghcreds-b");
    fake.installations.push({
      id: 601,
      account: "acme",
      users: [],
      repos: [
        { owner: "acme", name: "alpha" },
        { owner: "acme", name: "beta" },
      ],
    });
    deps = depsWith(fake);
    a = await startedWorkspace(deps, user, repoUrl("acme", "alpha"));
    b = await startedWorkspace(deps, other, repoUrl("acme", "beta"));
  });
  afterAll(async () => {
    await cleanUpUser(user);
    await cleanUpUser(other);
  });

  it("bootstrap names the repository, origin and the person's noreply identity, never a token", async () => {
    const git = a.bootstrap.git as Record<string, string>;
    const [account] = (
      await env.DB.prepare("select account_id from account where user_id = ? and provider_id = 'github'")
        .bind(user.id)
        .all<{ account_id: string }>()
    ).results;
    expect(git).toEqual({
      repository: "acme/alpha",
      origin: web,
      user_name: user.login,
      user_email: `${account?.account_id}+${user.login}@users.noreply.github.com`,
    });
    expect(JSON.stringify(a.bootstrap)).not.toMatch(/ghs_|x-access-token/);
  });

  it("mints a token for workspace A's repository only", async () => {
    const ws = await load(a.id);
    const creds = gitCredentialsResponseSchema.parse(await gitCredentials(deps, ws));
    expect(creds.repository).toBe("acme/alpha");
    expect(creds.origin).toBe(web);
    const request = fake.seen.at(-1);
    expect(request?.path).toBe("/app/installations/601/access_tokens");
    expect(request?.body).toEqual({
      repositories: ["alpha"],
      permissions: { contents: "write", pull_requests: "write" },
    });
    expect(fake.minted.get(creds.password)?.repos).toEqual(["alpha"]);
    // The token reaches A's repo and not B's, though both are in the same installation.
    expect(
      (
        await fake.fetch("https://api.github.test/repos/acme/alpha", {
          headers: { authorization: `Bearer ${creds.password}` },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await fake.fetch("https://api.github.test/repos/acme/beta", {
          headers: { authorization: `Bearer ${creds.password}` },
        })
      ).status,
    ).toBe(404);
  });

  it("refuses workspace B's callback token on A's credentials route (401, nothing minted)", async () => {
    const minted = fake.minted.size;
    const res = await api(`/api/vm/workspaces/${a.id}/git-credentials`, {
      method: "POST",
      headers: { authorization: `Bearer ${b.callbackToken}` },
    });
    await expectError(res, 401, "unauthorized");
    const none = await api(`/api/vm/workspaces/${a.id}/git-credentials`, { method: "POST" });
    await expectError(none, 401, "unauthorized");
    expect(fake.minted.size).toBe(minted);
  });

  it("a revoked installation is a clear 403, recorded once on the timeline and shown on the workspace", async () => {
    const inst = fake.installations.find((i) => i.id === 601);
    if (!inst) throw new Error("no installation");
    inst.suspended = true;
    for (let n = 0; n < 2; n++) {
      const err = await apiError(gitCredentials(deps, await load(a.id)));
      expect(err.status).toBe(403);
      expect(err.code).toBe("github_installation_revoked");
      expect(err.message).toContain("acme/alpha");
      expect(err.message).toContain(`/apps/${env.GITHUB_APP_SLUG}/installations/new`);
    }
    const events = await (
      await api(`/api/workspaces/${a.id}/events`, { headers: { cookie: user.cookie } })
    ).json();
    const github = (events as { events: Array<{ type: string; message: string }> }).events.filter(
      (e) => e.type === "github",
    );
    expect(github).toHaveLength(1);
    expect(github[0]?.message).toContain("no longer has access to acme/alpha");
    const view = (await (
      await api(`/api/workspaces/${a.id}`, { headers: { cookie: user.cookie } })
    ).json()) as {
      git: { access_revoked: boolean };
    };
    expect(view.git.access_revoked).toBe(true);
    // Reinstalled: tokens flow again and the dashboard stops showing it.
    inst.suspended = false;
    await gitCredentials(deps, await load(a.id));
    expect((await load(a.id)).githubRevokedAt).toBeNull();
  });

  it("follows an App uninstalled and installed again (a new installation id); gone entirely is revoked", async () => {
    const old = fake.installations.find((i) => i.id === 601);
    if (!old) throw new Error("no installation");
    fake.installations = fake.installations.filter((i) => i !== old);
    const err = await apiError(gitCredentials(deps, await load(a.id)));
    expect(err.code).toBe("github_installation_revoked");
    fake.installations.push({ ...old, id: 602 });
    const creds = await gitCredentials(deps, await load(a.id));
    expect(fake.minted.get(creds.password)).toEqual({ installation: 602, repos: ["alpha"] });
    expect((await load(a.id)).githubInstallationId).toBe(602);
    expect((await load(a.id)).githubRevokedAt).toBeNull();
  });

  it("stores the heartbeat's git status and shows it on the workspace", async () => {
    const beat = {
      last_human_input_at: null,
      claude: { state: "idle" },
      open_terminals: 1,
      idle: { idle_seconds: 0, warning: false, shutdown_at: null },
      git: { branch: "feature/login", ahead: 2, pushed: false },
    };
    expect((await vmCall(a.id, "heartbeat", a.callbackToken, beat)).status).toBe(200);
    const view = (await (
      await api(`/api/workspaces/${a.id}`, { headers: { cookie: user.cookie } })
    ).json()) as {
      github_repository: string;
      git: { branch: string; ahead: number; pushed: boolean; reported_at: string | null };
    };
    expect(view.github_repository).toBe("acme/alpha");
    expect(view.git).toMatchObject({ branch: "feature/login", ahead: 2, pushed: false });
    expect(view.git.reported_at).not.toBeNull();
    // An agent that sends no git status leaves the last one.
    const { git: _, ...older } = beat;
    expect((await vmCall(a.id, "heartbeat", a.callbackToken, older)).status).toBe(200);
    expect((await load(a.id)).gitBranch).toBe("feature/login");
  });

  it("keeps every minted token out of D1 (every table) and out of the API's answers", async () => {
    expect(fake.minted.size).toBeGreaterThan(0);
    const tables = (
      await env.DB.prepare(
        "select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\'",
      ).all<{
        name: string;
      }>()
    ).results.map((t) => t.name);
    const dump: string[] = [];
    for (const table of tables) {
      const rows = (await env.DB.prepare(`select * from "${table}"`).all()).results;
      dump.push(JSON.stringify(rows));
    }
    const everything = dump.join("\n");
    for (const token of fake.minted.keys()) expect(everything).not.toContain(token);
    expect(everything).not.toContain("ghs_");
    const answers = [
      await (await api(`/api/workspaces/${a.id}`, { headers: { cookie: user.cookie } })).text(),
      await (await api(`/api/workspaces/${a.id}/events`, { headers: { cookie: user.cookie } })).text(),
    ].join("\n");
    expect(answers).not.toContain("ghs_");
  });

  it("the person's GitHub user token is stored encrypted and better-auth's token endpoints are off", async () => {
    const { results } = await env.DB.prepare(
      "select access_token from account where user_id = ? and provider_id = 'github'",
    )
      .bind(user.id)
      .all<{ access_token: string }>();
    const stored = results[0]?.access_token ?? "";
    expect(stored.length).toBeGreaterThan(0);
    // better-auth's AES-256-GCM output (hex or its $ba$ envelope), not a GitHub token.
    expect(stored).toMatch(/^(\$ba\$|[0-9a-f]+$)/);
    for (const path of ["/api/auth/get-access-token", "/api/auth/refresh-token"]) {
      const res = await api(path, {
        method: "POST",
        headers: { cookie: user.cookie },
        body: JSON.stringify({ providerId: "github" }),
      });
      expect(res.status, path).toBe(404);
    }
    const accounts = await api("/api/auth/list-accounts", { headers: { cookie: user.cookie } });
    const text = await accounts.text();
    expect(text).not.toContain(stored);
    expect(text).not.toMatch(/accessToken|refreshToken/);
  });
});
