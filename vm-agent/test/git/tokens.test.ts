import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { gitCredentialHandler, gitCredentialKind } from "../../src/git/channel.ts";
import { runGitCredentialHelper } from "../../src/git/helper.ts";
import { createGitTokens } from "../../src/git/tokens.ts";
import { startHookServer } from "../../src/hooks/server.ts";
import { fakeControlPlane, type Responder } from "../control-plane/fake.ts";

const CALLBACK = "cb_0123456789abcdefghijklmnop";
const git = {
  repository: "octo/private",
  origin: "https://github.com",
  user_name: "Octo Cat",
  user_email: "1+octo@users.noreply.github.com",
};
const T0 = Date.parse("2026-11-30T12:00:00Z");
const cli = join(import.meta.dir, "../../src/cli.ts");

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Mints ghs_<n> tokens lasting an hour from the test's clock, unless `answer` says otherwise. */
function setup(answer?: Responder) {
  const clock = { now: T0 };
  const minted: string[] = [];
  const cp = fakeControlPlane({
    "git-credentials": (req, n) => {
      if (answer) return answer(req, n);
      const password = `ghs_${n}_${crypto.randomUUID()}`;
      minted.push(password);
      return Response.json({
        username: "x-access-token",
        password,
        expires_at: new Date(clock.now + 3600_000).toISOString(),
        repository: git.repository,
        origin: git.origin,
      });
    },
  });
  cleanups.push(cp.stop);
  const client = createControlPlaneClient({
    baseUrl: cp.url,
    workspaceId: "ws1",
    sleep: () => Promise.resolve(),
  });
  client.setCallbackToken(CALLBACK);
  const tokens = createGitTokens({ git, fetchToken: (r) => client.gitCredentials(r), now: () => clock.now });
  return { clock, minted, cp, tokens };
}

const revoked: Responder = () =>
  Response.json(
    {
      error: {
        code: "github_installation_revoked",
        message: "The installation was suspended by octo.",
      },
    },
    { status: 403 },
  );

describe("installation tokens in the agent", () => {
  test("asks the control plane with the callback token, then answers from memory", async () => {
    const { cp, tokens, minted } = setup();
    const a = await tokens.get();
    const b = await tokens.get();
    expect(a).toMatchObject({ ok: true, username: "x-access-token", password: minted[0] });
    expect(b).toEqual(a);
    expect(cp.of("git-credentials")).toHaveLength(1);
    expect(cp.of("git-credentials")[0]).toMatchObject({
      path: "/api/vm/workspaces/ws1/git-credentials",
      auth: `Bearer ${CALLBACK}`,
      body: {},
    });
  });

  test("concurrent asks share one call", async () => {
    const { cp, tokens } = setup();
    const all = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(new Set(all.map((t) => (t.ok ? t.password : "")))).toHaveProperty("size", 1);
    expect(cp.of("git-credentials")).toHaveLength(1);
  });

  test("a minute before the token expires, a fresh one is asked for", async () => {
    const { clock, cp, tokens, minted } = setup();
    await tokens.get();
    clock.now = T0 + 3600_000 - 61_000;
    expect(await tokens.get()).toMatchObject({ password: minted[0] });
    clock.now = T0 + 3600_000 - 59_000;
    expect(await tokens.get()).toMatchObject({ ok: true, password: minted[1] });
    expect(cp.of("git-credentials")).toHaveLength(2);
  });

  test("a token the server refused is dropped; another one is not", async () => {
    const { cp, tokens, minted } = setup();
    await tokens.get();
    tokens.reject("something-else");
    await tokens.get();
    expect(cp.of("git-credentials")).toHaveLength(1);
    tokens.reject(minted[0] ?? "");
    expect(await tokens.get()).toMatchObject({ password: minted[1] });
  });

  test("a revoked installation is a clear message, asked again next time", async () => {
    const { cp, tokens } = setup(revoked);
    const r = await tokens.get();
    expect(r).toEqual({
      ok: false,
      message:
        "Berth: the GitHub App no longer has access to octo/private: The installation was suspended by octo. Reinstall the App on this repository (or ask its owner to), then try again.",
    });
    await tokens.get();
    expect(cp.of("git-credentials")).toHaveLength(2);
  });

  test("a rate limit is said at once, with its wait, and nobody is asked again before it is over", async () => {
    const limited: Responder = (_req, n) =>
      n === 1
        ? Response.json(
            {
              error: {
                code: "rate_limited",
                message:
                  "cannot get a token for octo/private: GitHub's rate limit is reached; try again in 30 s",
              },
            },
            { status: 429, headers: { "retry-after": "30" } },
          )
        : Response.json({
            username: "x-access-token",
            password: "ghs_after_the_wait",
            expires_at: new Date(T0 + 3600_000).toISOString(),
            repository: git.repository,
            origin: git.origin,
          });
    const { clock, cp, tokens } = setup(limited);
    const message = (s: number) =>
      `Berth: no GitHub credentials for octo/private for now (cannot get a token for octo/private: GitHub's rate limit is reached). Try again in ${s} s.`;
    // Not retried with git hanging for the 30 s: one request, and the answer.
    expect(await tokens.get()).toEqual({ ok: false, message: message(30) });
    expect(cp.of("git-credentials")).toHaveLength(1);
    clock.now = T0 + 10_000;
    expect(await tokens.get()).toEqual({ ok: false, message: message(20) });
    expect(cp.of("git-credentials")).toHaveLength(1);
    clock.now = T0 + 30_000;
    expect(await tokens.get()).toMatchObject({ ok: true, password: "ghs_after_the_wait" });
    expect(cp.of("git-credentials")).toHaveLength(2);
  });

  test("a 429 without Retry-After waits a minute", async () => {
    const { clock, cp, tokens } = setup(() => new Response("slow down", { status: 429 }));
    const r = await tokens.get();
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining("Try again in") });
    const asked = cp.of("git-credentials").length;
    clock.now = T0 + 59_000;
    expect(await tokens.get()).toMatchObject({ ok: false, message: expect.stringContaining("Try again in") });
    expect(cp.of("git-credentials")).toHaveLength(asked);
    clock.now = T0 + 5 * 60_000;
    await tokens.get();
    expect(cp.of("git-credentials").length).toBeGreaterThan(asked);
  });

  test("a control plane that keeps failing: retried a few times, then a message", async () => {
    const { cp, tokens } = setup(() => new Response("down", { status: 503 }));
    const r = await tokens.get();
    expect(r).toEqual({
      ok: false,
      message: "Berth: could not get GitHub credentials for octo/private (HTTP 503).",
    });
    expect(cp.of("git-credentials")).toHaveLength(3);
  });
});

async function socketWith(tokens: ReturnType<typeof setup>["tokens"] | null, g = git) {
  const dir = await mkdtemp(join(tmpdir(), "berth-gitsock-"));
  const server = await startHookServer(join(dir, "agent.sock"), () => {}, undefined, {
    [gitCredentialKind]: gitCredentialHandler(tokens ? g : null, tokens),
  });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => server.stop());
  return server.path;
}

/** The real CLI, as git runs it: the request on stdin, the answer on stdout, messages on stderr. */
async function helper(op: string, input: string, sock: string) {
  const p = Bun.spawn([process.execPath, cli, "git-credential", op, "--socket", sock], {
    stdin: new Response(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

describe("berth-agent git-credential (through the agent's socket)", () => {
  test("get answers for the workspace's origin, nothing for another host", async () => {
    const { tokens, minted } = setup();
    const sock = await socketWith(tokens);
    const r = await helper("get", "protocol=https\nhost=github.com\npath=octo/private.git\n\n", sock);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      `username=x-access-token\npassword=${minted[0]}\npassword_expiry_utc=${(T0 + 3600_000) / 1000}\n`,
    );
    expect(await helper("get", "protocol=https\nhost=gitlab.com\n\n", sock)).toEqual({
      stdout: "",
      stderr: "",
      code: 0,
    });
  });

  test("store is ignored, erase drops the refused token", async () => {
    const { cp, tokens, minted } = setup();
    const sock = await socketWith(tokens);
    const get = (input: string) => runGitCredentialHelper("get", input, sock);
    await get("protocol=https\nhost=github.com\n");
    await runGitCredentialHelper("store", `protocol=https\nhost=github.com\npassword=${minted[0]}\n`, sock);
    await get("protocol=https\nhost=github.com\n");
    expect(cp.of("git-credentials")).toHaveLength(1);
    expect(
      await runGitCredentialHelper(
        "erase",
        `protocol=https\nhost=github.com\nusername=x-access-token\npassword=${minted[0]}\n`,
        sock,
      ),
    ).toEqual({ stdout: "", stderr: "" });
    expect((await get("protocol=https\nhost=github.com\n")).stdout).toContain(`password=${minted[1]}\n`);
  });

  test("a revoked installation: the message on stderr, quit=1 so git does not prompt", async () => {
    const { tokens } = setup(revoked);
    const sock = await socketWith(tokens);
    const r = await helper("get", "protocol=https\nhost=github.com\n\n", sock);
    expect(r.stdout).toBe("quit=1\n");
    expect(r.stderr).toContain("Berth: the GitHub App no longer has access to octo/private");
    expect(r.code).toBe(0);
  });

  test("a repo outside the App: the agent answers nothing", async () => {
    const sock = await socketWith(null);
    expect(await runGitCredentialHelper("get", "protocol=https\nhost=github.com\n", sock)).toEqual({
      stdout: "",
      stderr: "",
    });
  });

  test("no agent: a message and quit=1, quickly", async () => {
    const r = await runGitCredentialHelper(
      "get",
      "protocol=https\nhost=github.com\n",
      "/nonexistent/agent.sock",
    );
    expect(r.stdout).toBe("quit=1\n");
    expect(r.stderr).toContain("the workspace agent does not answer");
  });
});
