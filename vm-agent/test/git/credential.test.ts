import { describe, expect, test } from "bun:test";
import {
  formatCredentialAnswer,
  isCredentialOperation,
  matchesOrigin,
  parseCredentialRequest,
} from "../../src/git/credential.ts";
import {
  cloneConfigArgs,
  gitConfigEntries,
  gitConfigEnv,
  helperValue,
  originKey,
} from "../../src/git/setup.ts";

const git = {
  repository: "octo/private",
  origin: "https://github.com",
  user_name: "Octo Cat",
  user_email: "1+octo@users.noreply.github.com",
};

describe("git's credential protocol", () => {
  test("reads key=value lines up to the blank line", () => {
    const attrs = parseCredentialRequest(
      "protocol=https\nhost=github.com\npath=octo/private.git\ncapability[]=authtype\nwwwauth[]=Basic realm=x\n\nignored=1\n",
    );
    expect(attrs).toEqual({
      protocol: "https",
      host: "github.com",
      path: "octo/private.git",
      "capability[]": "authtype",
      "wwwauth[]": "Basic realm=x",
    });
  });

  test("a value may hold '=', CRLF is tolerated, junk lines are skipped, url= fills the rest", () => {
    expect(parseCredentialRequest("protocol=http\r\nhost=127.0.0.1:8703\r\npassword=a=b\r\n")).toEqual({
      protocol: "http",
      host: "127.0.0.1:8703",
      password: "a=b",
    });
    expect(parseCredentialRequest("garbage\n=x\nhost=h\n")).toEqual({ host: "h" });
    expect(parseCredentialRequest("url=https://github.com/o/r.git\n")).toMatchObject({
      protocol: "https",
      host: "github.com",
      path: "o/r.git",
    });
    expect(parseCredentialRequest("")).toEqual({});
  });

  test("answers are key=value lines; a value with a newline is never written", () => {
    expect(formatCredentialAnswer({ username: "x-access-token", password: "ghs_1" })).toBe(
      "username=x-access-token\npassword=ghs_1\n",
    );
    expect(formatCredentialAnswer({ username: "u", password: "p\nhost=evil" })).toBe("username=u\n");
    expect(formatCredentialAnswer({})).toBe("");
  });

  test("only the workspace's scheme and host (with port) match", () => {
    expect(matchesOrigin({ protocol: "https", host: "github.com" }, "https://github.com")).toBe(true);
    expect(matchesOrigin({ protocol: "https", host: "GitHub.com" }, "https://github.com/")).toBe(true);
    expect(matchesOrigin({ protocol: "http", host: "github.com" }, "https://github.com")).toBe(false);
    expect(matchesOrigin({ protocol: "https", host: "gitlab.com" }, "https://github.com")).toBe(false);
    expect(matchesOrigin({ protocol: "https", host: "github.com.evil" }, "https://github.com")).toBe(false);
    expect(matchesOrigin({ protocol: "http", host: "127.0.0.1:8703" }, "http://127.0.0.1:8703")).toBe(true);
    expect(matchesOrigin({ protocol: "http", host: "127.0.0.1:8704" }, "http://127.0.0.1:8703")).toBe(false);
    expect(matchesOrigin({ protocol: "http", host: "127.0.0.1" }, "http://127.0.0.1:8703")).toBe(false);
    expect(matchesOrigin({ host: "github.com" }, "https://github.com")).toBe(false);
    expect(matchesOrigin({ protocol: "ssh", host: "github.com" }, "ssh://github.com")).toBe(false);
  });

  test("operations", () => {
    expect(["get", "store", "erase", "fill", undefined].map(isCredentialOperation)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("git config for the helper", () => {
  test("the helper is a shell command git appends the operation to; paths only", () => {
    expect(helperValue(["/usr/local/bin/berth-agent"], "/run/berth/agent.sock")).toBe(
      "!/usr/local/bin/berth-agent git-credential --socket /run/berth/agent.sock",
    );
    expect(helperValue(["/opt/my bun", "/src/cli.ts"], "/data/run/agent.sock")).toBe(
      "!'/opt/my bun' /src/cli.ts git-credential --socket /data/run/agent.sock",
    );
  });

  test("clone options and config entries clear other helpers for the origin first", () => {
    const h = "!/a git-credential --socket /s";
    expect(cloneConfigArgs(git, h)).toEqual([
      "-c",
      "credential.https://github.com.helper=",
      "-c",
      `credential.https://github.com.helper=${h}`,
    ]);
    expect(gitConfigEntries(git, h)).toEqual([
      ["credential.https://github.com.helper", ""],
      ["credential.https://github.com.helper", h],
      ["user.name", "Octo Cat"],
      ["user.email", "1+octo@users.noreply.github.com"],
    ]);
    expect(originKey({ ...git, origin: "http://127.0.0.1:8703/" })).toBe("http://127.0.0.1:8703");
    expect(originKey({ ...git, origin: "ssh://github.com" })).toBeNull();
    expect(cloneConfigArgs({ ...git, origin: "ssh://github.com" }, h)).toEqual([]);
  });

  test("environment config continues after entries already there", () => {
    expect(gitConfigEnv([["user.name", "A"]])).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "user.name",
      GIT_CONFIG_VALUE_0: "A",
    });
    expect(gitConfigEnv([["user.name", "A"]], { GIT_CONFIG_COUNT: "2" })).toEqual({
      GIT_CONFIG_COUNT: "3",
      GIT_CONFIG_KEY_2: "user.name",
      GIT_CONFIG_VALUE_2: "A",
    });
  });
});
