import { describe, expect, it } from "vitest";
import {
  type CreateForm,
  mapServerDetails,
  toCreateInput,
  validateBranch,
  validateClaudeKey,
  validateCreateForm,
  validateIdleTimeout,
  validateKeyName,
  validateRepoUrl,
} from "../src/lib/validation.ts";

const form = (over: Partial<CreateForm> = {}): CreateForm => ({
  repoUrl: "https://github.com/octocat/Hello-World.git",
  branch: "",
  name: "",
  serverType: "cx23",
  location: "fsn1",
  idleTimeout: "",
  ...over,
});

describe("repository URL rules (as the API's)", () => {
  it.each([
    "https://github.com/octocat/Hello-World.git",
    "http://127.0.0.1:9000/repo.git",
    "ssh://git@github.com/o/r.git",
    "git://example.org/r",
    "git@github.com:octocat/Hello-World.git",
  ])("accepts %s", (url) => expect(validateRepoUrl(url)).toBeUndefined());

  it("requires a value", () => expect(validateRepoUrl("  ")).toMatch(/enter/i));
  it.each(["ftp://host/r", "github.com/o/r", "https://github.com", "file:///tmp/repo"])(
    "rejects the scheme of %s",
    (url) => expect(validateRepoUrl(url)).toMatch(/https:\/\/, http:\/\/, ssh:\/\/ or git@host:path/),
  );
  it("rejects spaces", () => expect(validateRepoUrl("https://github.com/o/my repo")).toMatch(/spaces/));
  it.each(["https://user:token@github.com/o/r.git", "https://token@github.com/o/r.git", "ssh://u:p@h/r"])(
    "rejects credentials in %s",
    (url) => expect(validateRepoUrl(url)).toMatch(/credentials/),
  );
  it("rejects URLs over 2048 characters", () =>
    expect(validateRepoUrl(`https://h/${"a".repeat(2050)}`)).toMatch(/too long/));
});

describe("branch and idle timeout", () => {
  it.each(["", "main", "feature/x-1", "release_1.2"])("accepts branch %j", (b) =>
    expect(validateBranch(b)).toBeUndefined(),
  );
  it.each(["-x", "a..b", "has space", "ünicode"])("rejects branch %j", (b) =>
    expect(validateBranch(b)).toMatch(/branch/),
  );
  it.each(["", "5", "30", "1440"])("accepts idle timeout %j", (v) =>
    expect(validateIdleTimeout(v)).toBeUndefined(),
  );
  it.each(["4", "1441", "2.5", "abc", "-10"])("rejects idle timeout %j", (v) =>
    expect(validateIdleTimeout(v)).toBe("Enter whole minutes between 5 and 1440."),
  );
});

describe("the whole create form", () => {
  it("has no errors for a plain valid form", () => expect(validateCreateForm(form())).toEqual({}));
  it("reports each bad field under its own key", () => {
    const errors = validateCreateForm(
      form({ repoUrl: "nope", branch: "a..b", idleTimeout: "3", name: "x".repeat(65) }),
    );
    expect(Object.keys(errors).sort()).toEqual(["branch", "idleTimeout", "name", "repoUrl"]);
  });
  it("leaves empty optional fields out of the request", () => {
    expect(toCreateInput(form({ repoUrl: " https://h/r " }))).toEqual({
      repo_url: "https://h/r",
      server_type: "cx23",
      location: "fsn1",
    });
    expect(
      toCreateInput(form({ branch: "dev", idleTimeout: "15", name: " mine ", serverType: "cax11" })),
    ).toEqual({
      repo_url: "https://github.com/octocat/Hello-World.git",
      branch: "dev",
      name: "mine",
      server_type: "cax11",
      location: "fsn1",
      idle_timeout_minutes: 15,
    });
  });
  it("maps the API's 422 details onto the form's fields", () => {
    const { fields, other } = mapServerDetails([
      { path: "repo_url", message: "must not contain credentials" },
      { path: "idle_timeout_minutes", message: "too small" },
      { path: "server_type", message: "unknown server type" },
      { path: "(body)", message: "Unrecognized key: extra" },
    ]);
    expect(fields).toEqual({
      repoUrl: "must not contain credentials",
      idleTimeout: "too small",
      serverType: "unknown server type",
    });
    expect(other).toEqual(["Unrecognized key: extra"]);
  });
});

describe("settings inputs", () => {
  it("checks the Claude key's shape like the API", () => {
    expect(validateClaudeKey(`sk-ant-${"a".repeat(20)}`)).toBeUndefined();
    expect(validateClaudeKey("")).toMatch(/paste/i);
    expect(validateClaudeKey("sk-live-1234567890123456789")).toMatch(/starts with sk-ant-/);
    expect(validateClaudeKey("sk-ant-short")).toMatch(/does not look like/);
  });
  it("requires a key name of at most 64 characters", () => {
    expect(validateKeyName("laptop")).toBeUndefined();
    expect(validateKeyName("   ")).toMatch(/name/);
    expect(validateKeyName("x".repeat(65))).toMatch(/too long/);
  });
});
