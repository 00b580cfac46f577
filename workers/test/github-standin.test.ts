/**
 * The whole GitHub App path over HTTP, against the GitHub stand-in's App endpoints and git server
 * (local-cloud, branch ghstand): create (422 without the App), bootstrap, git credentials scoped to
 * one repository, a revoked installation, the repository picker's listing and pull requests.
 */
import { env } from "cloudflare:workers";
import { localCloudControl } from "@berth/local-cloud/client";
import { gitCredentialsResponseSchema } from "@berth/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpUser,
  expectError,
  newUser,
  ownerRows,
  ownerServers,
  type TestUser,
} from "./support/api-cases.ts";
import { bootstrapTokenOf, load, vmCall, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

const web = new URL(env.GITHUB_WEB_URL ?? env.GITHUB_API_URL).origin;
const control = async (path: string, method: string, body?: unknown) => {
  const res = await fetch(`${web}/__berth/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`github control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};

async function createOn(user: TestUser, repoUrl: string) {
  return api("/api/workspaces", {
    method: "POST",
    headers: { cookie: user.cookie },
    body: JSON.stringify({ repo_url: repoUrl }),
  });
}

/** Creates through the API and plays the VM up to ready; returns its callback token and bootstrap. */
async function readyOn(user: TestUser, repoUrl: string) {
  const res = await createOn(user, repoUrl);
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const booting = await waitForState(id, "booting");
  const boot = await vmCall(id, "bootstrap", await bootstrapTokenOf(booting.serverId ?? 0));
  const bootstrap = (await boot.json()) as { callback_token: string; git: Record<string, string> | null };
  expect((await vmCall(id, "ready", bootstrap.callback_token, { runtime: "host" })).status).toBe(200);
  return { id, callbackToken: bootstrap.callback_token, bootstrap };
}

const credentials = (id: string, token: string) => vmCall(id, "git-credentials", token);
const githubFaults = localCloudControl(web);

describe("the GitHub App against the GitHub stand-in", () => {
  let alice: TestUser;
  let bob: TestUser;
  let a: Awaited<ReturnType<typeof readyOn>>;
  let b: Awaited<ReturnType<typeof readyOn>>;

  beforeAll(async () => {
    alice = await newUser("gha");
    bob = await newUser("ghb");
    for (const name of ["alpha", "beta", "gamma"]) {
      await control("repos", "POST", {
        owner: alice.login,
        name,
        private: true,
        files: { "README.md": `# ${name}\n` },
      });
    }
    // Installed on alpha and beta only; gamma stays out of the App's reach.
    await control(`installations/${alice.login}`, "PUT", { repositories: ["alpha", "beta"] });
    a = await readyOn(alice, `${web}/${alice.login}/alpha.git`);
    b = await readyOn(alice, `${web}/${alice.login}/beta`);
  }, 60_000);
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("refuses a repository the App is not installed on with 422 and the install link, and makes no VM", async () => {
    const before = (await ownerRows(alice.id)).length;
    const body = await expectError(
      await createOn(alice, `${web}/${alice.login}/gamma.git`),
      422,
      "github_app_not_installed",
    );
    expect(body.error.message).toContain(`${web}/apps/${env.GITHUB_APP_SLUG}/installations/new`);
    expect((await ownerRows(alice.id)).length).toBe(before);
    expect((await ownerServers(alice.id)).map((s) => s.labels["berth.workspace"]).sort()).toEqual(
      [a.id, b.id].sort(),
    );
  });

  it("bootstrap names the repository and the person's identity, never a token", () => {
    expect(a.bootstrap.git).toMatchObject({
      repository: `${alice.login}/alpha`,
      origin: web,
      user_name: alice.login,
    });
    expect(a.bootstrap.git?.user_email).toMatch(/@users\.noreply\.github\.com$/);
  });

  it("mints a token that reaches workspace A's repository and no other", async () => {
    const res = await credentials(a.id, a.callbackToken);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const creds = gitCredentialsResponseSchema.parse(await res.json());
    expect(creds.repository).toBe(`${alice.login}/alpha`);
    const as = (path: string) =>
      fetch(`${env.GITHUB_API_URL}${path}`, { headers: { authorization: `Bearer ${creds.password}` } });
    expect((await as(`/repos/${alice.login}/alpha`)).status).toBe(200);
    expect((await as(`/repos/${alice.login}/beta`)).status).toBe(404);
    // git itself (smart HTTP) with the same credentials: A's repo yes, B's repo no.
    const basic = `Basic ${btoa(`x-access-token:${creds.password}`)}`;
    const refs = (repo: string) =>
      fetch(`${web}/${alice.login}/${repo}.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: basic },
      });
    expect((await refs("alpha")).status).toBe(200);
    expect([401, 403, 404]).toContain((await refs("beta")).status);
  });

  it("refuses workspace B's callback token on A's credentials", async () => {
    await expectError(await credentials(a.id, b.callbackToken), 401, "unauthorized");
  });

  it("lists the repositories the person reaches through the App, searchable", async () => {
    const page = async (q: string) => {
      const res = await api(`/api/repositories?q=${q}`, { headers: { cookie: alice.cookie } });
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { repositories: Array<{ full_name: string; repo_url: string }> })
        .repositories;
    };
    expect((await page("")).map((r) => r.full_name).sort()).toEqual([
      `${alice.login}/alpha`,
      `${alice.login}/beta`,
    ]);
    expect((await page("ALPH")).map((r) => r.repo_url)).toEqual([`${web}/${alice.login}/alpha.git`]);
    const bobs = await api("/api/repositories", { headers: { cookie: bob.cookie } });
    expect(((await bobs.json()) as { repositories: unknown[] }).repositories).toEqual([]);
  });

  it("opens a pull request from a pushed branch, and says push first for one GitHub lacks", async () => {
    const beat = (branch: string) => ({
      last_human_input_at: null,
      claude: { state: "idle" },
      open_terminals: 1,
      idle: { idle_seconds: 0, warning: false, shutdown_at: null },
      git: { branch, ahead: 1, pushed: true },
    });
    const open = () =>
      api(`/api/workspaces/${a.id}/pull-request`, {
        method: "POST",
        headers: { cookie: alice.cookie },
        body: JSON.stringify({ title: "Add notes", body: "From Berth" }),
      });
    expect((await vmCall(a.id, "heartbeat", a.callbackToken, beat("not-pushed"))).status).toBe(200);
    const unpushed = await expectError(await open(), 409, "conflict");
    expect(unpushed.error.message).toContain("push first");
    await control(`repos/${alice.login}/alpha/commits`, "POST", {
      branch: "notes",
      from: "main",
      files: { "NOTES.md": "notes\n" },
    });
    expect((await vmCall(a.id, "heartbeat", a.callbackToken, beat("notes"))).status).toBe(200);
    const res = await open();
    expect(res.status, await res.clone().text()).toBe(201);
    const pr = (await res.json()) as { url: string; number: number };
    expect(pr.url).toContain(`/${alice.login}/alpha/pull/${pr.number}`);
    await expectError(await open(), 409, "conflict");
    expect((await load(a.id)).pullRequestNumber).toBe(pr.number);
  });

  describe("GitHub's rate limits on the credentials route: 429 with GitHub's wait, never a revocation", () => {
    const tokenPath = "/app/installations/";
    afterEach(() => githubFaults.clearFaults());
    const limited = async (rule: { status: number; headers?: Record<string, string>; body: unknown }) => {
      await githubFaults.fault({ method: "POST", path: tokenPath, times: 1, ...rule });
      const res = await credentials(a.id, a.callbackToken);
      const body = await expectError(res.clone(), 429, "rate_limited");
      expect(body.error.message).toContain("GitHub's rate limit is reached");
      return Number(res.headers.get("retry-after"));
    };

    it("429 with retry-after: the agent is told the same wait", async () => {
      const wait = await limited({
        status: 429,
        headers: { "retry-after": "30" },
        body: { message: "You have exceeded a secondary rate limit." },
      });
      expect(wait).toBe(30);
    });

    it("403 for a secondary limit without retry-after: a minute, and the App keeps its access", async () => {
      const wait = await limited({
        status: 403,
        body: {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
      });
      expect(wait).toBe(60);
      const view = (await (
        await api(`/api/workspaces/${a.id}`, { headers: { cookie: alice.cookie } })
      ).json()) as { git: { access_revoked: boolean } };
      expect(view.git.access_revoked).toBe(false);
      expect((await credentials(a.id, a.callbackToken)).status).toBe(200);
    });

    it("403 with the primary limit spent: until x-ratelimit-reset", async () => {
      const reset = Math.floor(Date.now() / 1000) + 120;
      const wait = await limited({
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
        body: { message: "API rate limit exceeded for installation ID 1." },
      });
      expect(wait).toBeGreaterThan(60);
      expect(wait).toBeLessThanOrEqual(121);
    });
  });

  it("a suspended installation is a clear 403 on the credentials route, on the timeline once", async () => {
    await control(`installations/${alice.login}/suspended`, "PUT");
    try {
      for (let n = 0; n < 2; n++) {
        const body = await expectError(
          await credentials(b.id, b.callbackToken),
          403,
          "github_installation_revoked",
        );
        expect(body.error.message).toContain(`${alice.login}/beta`);
      }
      const events = (await (
        await api(`/api/workspaces/${b.id}/events`, { headers: { cookie: alice.cookie } })
      ).json()) as {
        events: Array<{ type: string }>;
      };
      expect(events.events.filter((e) => e.type === "github")).toHaveLength(1);
    } finally {
      await control(`installations/${alice.login}/suspended`, "DELETE");
    }
    expect((await credentials(b.id, b.callbackToken)).status).toBe(200);
  });
});
