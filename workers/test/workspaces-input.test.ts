import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpUser,
  expectError,
  newUser,
  ownerRows,
  ownerServers,
  type TestUser,
} from "./support/api-cases.ts";
import { api } from "./support/session.ts";

const repo = "https://github.com/octocat/Hello-World.git";

/** Bodies POST /api/workspaces must refuse with 422, and the field the error names. */
const invalidBodies: Array<[string, Record<string, unknown>, string]> = [
  ["missing repo_url", {}, "repo_url"],
  ["a repo_url that is not a URL", { repo_url: "not a url" }, "repo_url"],
  ["a file:// repo_url", { repo_url: "file:///etc/passwd" }, "repo_url"],
  [
    "a repo_url carrying a password",
    { repo_url: "https://octocat:ghp_secret123@github.com/a/b.git" },
    "repo_url",
  ],
  [
    "a repo_url carrying a token as user",
    { repo_url: "https://ghp_secret123@github.com/a/b.git" },
    "repo_url",
  ],
  ["a repo_url with a space", { repo_url: "https://github.com/octo cat/repo.git" }, "repo_url"],
  [
    "a repo_url with a newline",
    { repo_url: "https://github.com/octocat/repo.git\n--upload-pack=x" },
    "repo_url",
  ],
  ["a 3000-character repo_url", { repo_url: `https://github.com/octocat/${"a".repeat(3000)}` }, "repo_url"],
  ["a repo_url that is a number", { repo_url: 42 }, "repo_url"],
  ["a branch that is an option", { repo_url: repo, branch: "--upload-pack=x" }, "branch"],
  ["a branch with ..", { repo_url: repo, branch: "a..b" }, "branch"],
  ["an empty name", { repo_url: repo, name: "" }, "name"],
  ["a blank name", { repo_url: repo, name: "   " }, "name"],
  ["a 65-character name", { repo_url: repo, name: "n".repeat(65) }, "name"],
  ["a malformed server_type", { repo_url: repo, server_type: "CX23!" }, "server_type"],
  ["idle_timeout_minutes 0", { repo_url: repo, idle_timeout_minutes: 0 }, "idle_timeout_minutes"],
  ["idle_timeout_minutes 2000", { repo_url: repo, idle_timeout_minutes: 2000 }, "idle_timeout_minutes"],
  ['idle_timeout_minutes "30"', { repo_url: repo, idle_timeout_minutes: "30" }, "idle_timeout_minutes"],
  ["idle_timeout_minutes 1.5", { repo_url: repo, idle_timeout_minutes: 1.5 }, "idle_timeout_minutes"],
  ["an unknown field", { repo_url: repo, size: "large" }, ""],
];

describe("POST /api/workspaces refuses bad input and creates nothing", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("input");
  });
  afterAll(() => cleanUpUser(user));

  async function expectNothingCreated() {
    expect(await ownerRows(user.id)).toHaveLength(0);
    expect(
      (await api("/api/workspaces?include_ended=true", { headers: { cookie: user.cookie } })).status,
    ).toBe(200);
    expect(await ownerServers(user.id)).toHaveLength(0);
  }

  const post = (body: string, headers: Record<string, string> = {}) =>
    api("/api/workspaces", { method: "POST", headers: { cookie: user.cookie, ...headers }, body });

  it.each(invalidBodies)("%s -> 422", async (_, body, field) => {
    const res = await post(JSON.stringify(body));
    const error = await expectError(res, 422, "validation_failed");
    const paths = (error.error.details ?? []).map((d) => d.path);
    if (field) expect(paths).toContain(field);
    else expect(error.error.message).toMatch(/unrecognized|unknown|size/i);
    await expectNothingCreated();
  });

  it("malformed JSON -> 400", async () => {
    await expectError(await post(`{"repo_url": "${repo}"`), 400, "bad_request");
    await expectError(await post(`{'repo_url': '${repo}'}`), 400, "bad_request");
    await expectNothingCreated();
  });

  it.each(["[]", "null", '"https://github.com/octocat/Hello-World.git"', "42"])(
    "a JSON body that is not an object (%s) is refused",
    async (raw) => {
      const res = await post(raw);
      expect([400, 422]).toContain(res.status);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe(res.status === 400 ? "bad_request" : "validation_failed");
      await expectNothingCreated();
    },
  );

  it("a JSON body sent as text/plain is not accepted", async () => {
    const res = await post(JSON.stringify({ repo_url: repo }), { "content-type": "text/plain" });
    expect([400, 415, 422]).toContain(res.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
      /^(bad_request|validation_failed|unsupported_media_type)$/,
    );
    await expectNothingCreated();
  });

  it("a form-encoded body is not accepted", async () => {
    const res = await post(`repo_url=${encodeURIComponent(repo)}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect([400, 415, 422]).toContain(res.status);
    await expectNothingCreated();
  });

  it("an oversized body -> 413 payload_too_large", async () => {
    await expectError(
      await post(JSON.stringify({ repo_url: repo, name: "x".repeat(100_000) })),
      413,
      "payload_too_large",
    );
    await expectNothingCreated();
  });

  it("a well-formed server type Hetzner does not offer -> 422 naming the types available", async () => {
    const error = await expectError(
      await post(JSON.stringify({ repo_url: repo, server_type: "cx999" })),
      422,
      "validation_failed",
    );
    expect(error.error.message).toContain("cx999");
    expect(error.error.message).toContain("cx23");
    expect(error.error.details?.map((d) => d.path)).toContain("server_type");
    await expectNothingCreated();
  });

  it("a well-formed location Hetzner does not have -> 422", async () => {
    const error = await expectError(
      await post(JSON.stringify({ repo_url: repo, location: "mars1" })),
      422,
      "validation_failed",
    );
    expect(error.error.message).toContain("mars1");
    expect(error.error.details?.map((d) => d.path)).toContain("location");
    await expectNothingCreated();
  });

  it("unauthenticated -> 401 and nothing created", async () => {
    await expectError(
      await api("/api/workspaces", { method: "POST", body: JSON.stringify({ repo_url: repo }) }),
      401,
      "unauthorized",
    );
    await expectError(
      await api("/api/workspaces", {
        method: "POST",
        headers: { authorization: "Bearer berth_not-a-real-key" },
        body: JSON.stringify({ repo_url: repo }),
      }),
      401,
      "unauthorized",
    );
    await expectNothingCreated();
  });

  it("valid optional fields are all accepted and echoed back", async () => {
    const res = await post(
      JSON.stringify({
        repo_url: "git@github.com:octocat/Hello-World.git",
        branch: "feature/x-1.2",
        name: "  My workspace  ",
        server_type: "cx23",
        location: "fsn1",
        idle_timeout_minutes: 5,
      }),
    );
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(JSON.parse(text)).toMatchObject({
      branch: "feature/x-1.2",
      name: "My workspace",
      server_type: "cx23",
      location: "fsn1",
      idle_timeout_minutes: 5,
    });
  });
});

describe("bad workspace ids on every route", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("ids");
  });

  const routes: Array<[string, string]> = [
    ["GET", ""],
    ["POST", "/stop"],
    ["DELETE", ""],
    ["GET", "/events"],
    ["POST", "/terminal-token"],
  ];
  const ids = ["..%2F", "..%2F..%2Fcredentials", "WABCDEFGHIJ", "w".repeat(40), "w%00x", "w-x"];

  it.each(routes)(
    "%s /api/workspaces/:id%s refuses malformed ids with the error shape",
    async (method, suffix) => {
      for (const id of ids) {
        const res = await api(`/api/workspaces/${id}${suffix}`, { method, headers: { cookie: user.cookie } });
        const text = await res.text();
        expect([404, 422], `${method} ${id}${suffix}: ${text}`).toContain(res.status);
        const body = JSON.parse(text) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(res.status === 404 ? "not_found" : "validation_failed");
        expect(body.error.message.length).toBeGreaterThan(0);
      }
      // A well-formed id that is nobody's is a plain 404.
      await expectError(
        await api(`/api/workspaces/wnosuchworkspace${suffix}`, { method, headers: { cookie: user.cookie } }),
        404,
        "not_found",
      );
      expect(await ownerRows(user.id)).toHaveLength(0);
    },
  );

  it.each(routes)("%s /api/workspaces/:id%s without a session -> 401", async (method, suffix) => {
    await expectError(
      await api(`/api/workspaces/wnosuchworkspace${suffix}`, { method }),
      401,
      "unauthorized",
    );
  });
});
