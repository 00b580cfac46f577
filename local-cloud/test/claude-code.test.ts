// The real Claude Code CLI (its native binary, from the devDependency) against the stand-in.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicControl } from "../src/client.ts";
import type { LocalCloud } from "../src/index.ts";
import { startEphemeral } from "./helpers.ts";

const KEY = "sk-ant-test-claude-cli-7f3a9c2e41d8";
const claudeBin =
  process.env.CLAUDE_BIN ||
  join(
    dirname(createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json")),
    "bin/claude.exe",
  );

let cloud: LocalCloud;
let ctl: ReturnType<typeof anthropicControl>;
const temps: string[] = [];

beforeAll(async () => {
  cloud = await startEphemeral({ anthropicApiKeys: [KEY] });
  ctl = anthropicControl(cloud.urls.anthropic);
});
afterAll(async () => {
  await cloud.stop();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => ctl.reset());

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

interface Run {
  code: number | null;
  // biome-ignore lint/suspicious/noExplicitAny: stream-json lines are loosely typed
  lines: any[];
  stderr: string;
  cwd: string;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs `claude -p` to its exit with a clean environment: nothing of ours leaks in. */
async function runClaude(prompt: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  const home = temp("berth-claude-home-");
  const cwd = temp("berth-claude-work-");
  const child: ChildProcess = spawn(
    claudeBin,
    ["-p", prompt, "--allowedTools", "Bash", "--output-format", "stream-json", "--verbose"],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        CLAUDE_CONFIG_DIR: join(home, ".claude"),
        ANTHROPIC_BASE_URL: cloud.urls.anthropic,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  });
  const lines = out
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l));
  return { code, lines, stderr, cwd };
}

describe("the real Claude Code CLI against the Messages stand-in", () => {
  it("runs a scripted Bash tool call for real and ends with the scripted answer", async () => {
    await ctl.script([
      {
        text: "I'll create the file.",
        tool: "Bash",
        input: { command: "echo made-by-claude > proof.txt", description: "Create proof.txt" },
      },
      { text: "Created proof.txt for you." },
    ]);
    const run = await runClaude("Please create proof.txt");
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(run.cwd, "proof.txt"), "utf8")).toBe("made-by-claude\n");

    const result = run.lines.find((l) => l.type === "result");
    expect(result).toMatchObject({ is_error: false, result: "Created proof.txt for you.", num_turns: 2 });
    const toolUse = run.lines
      .filter((l) => l.type === "assistant")
      .flatMap((l) => l.message.content)
      .find((b) => b.type === "tool_use");
    expect(toolUse).toMatchObject({ name: "Bash", input: { command: "echo made-by-claude > proof.txt" } });
    expect(toolUse.id).toMatch(/^toolu_01/);

    const reqs = await ctl.messages();
    expect(reqs.map((r) => `${r.kind}:${r.answer}`)).toEqual(["main:tool", "main:text"]);
    expect(reqs[0]).toMatchObject({ stream: true, lastUserText: "Please create proof.txt" });
    expect(reqs[0]?.toolCount).toBeGreaterThan(0);
    expect(reqs[1]?.toolResults).toEqual([
      { tool_use_id: toolUse.id, content: expect.any(String), is_error: false },
    ]);
    for (const r of reqs) {
      expect(r.apiKeySha256).toBe(createHash("sha256").update(KEY).digest("hex"));
      expect(r.apiKeyLast4).toBe(KEY.slice(-4));
    }
    const everything = JSON.stringify([reqs, await ctl.requests(), await ctl.state()]);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(KEY.slice(0, -4));
    expect(await ctl.pending()).toEqual([]);
  }, 180_000);

  it("surfaces a scripted 529 as Claude Code's overloaded API error", async () => {
    await ctl.script([{ error: { status: 529 } }]);
    // Claude Code retries 529 by itself; with no retries the one scripted failure is what it reports.
    const run = await runClaude("hello", { CLAUDE_CODE_MAX_RETRIES: "0" });
    expect(run.code).not.toBe(0);
    const result = run.lines.find((l) => l.type === "result");
    expect(result).toMatchObject({ is_error: true, api_error_status: 529 });
    expect(result.result).toMatch(/529 Overloaded/);
    expect((await ctl.messages()).map((r) => `${r.kind}:${r.status}`)).toEqual(["main:529"]);
  }, 180_000);

  it("retries a stream that breaks off with overloaded_error by itself, even with no retries set", async () => {
    await ctl.script([
      { error: { status: 529 }, midStream: true },
      { tool: "Bash", input: { command: "echo after-retry > retried.txt", description: "Write" } },
      { text: "Recovered." },
    ]);
    const run = await runClaude("hello", { CLAUDE_CODE_MAX_RETRIES: "0" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.find((l) => l.type === "result")).toMatchObject({
      is_error: false,
      result: "Recovered.",
    });
    expect(readFileSync(join(run.cwd, "retried.txt"), "utf8")).toBe("after-retry\n");
    expect((await ctl.messages()).map((r) => r.answer)).toEqual(["error-mid-stream", "tool", "text"]);
  }, 180_000);

  it("is refused with 401 when its key is not one the stand-in accepts", async () => {
    const run = await runClaude("hello", {
      ANTHROPIC_API_KEY: "sk-ant-test-wrong-key-0000",
      CLAUDE_CODE_MAX_RETRIES: "0",
    });
    const result = run.lines.find((l) => l.type === "result");
    expect(result).toMatchObject({ is_error: true, api_error_status: 401 });
    expect(run.code).not.toBe(0);
  }, 180_000);

  it("runs an interactive session in a terminal; its title request is a side request", async () => {
    await ctl.script([
      { tool: "Bash", input: { command: "echo interactive > tty-proof.txt", description: "Write" } },
      { text: "Wrote tty-proof.txt." },
    ]);
    const home = temp("berth-claude-home-");
    const cwd = temp("berth-claude-work-");
    const configDir = join(home, ".claude");
    mkdirSync(configDir);
    // What a person would have clicked through once: onboarding, the key, trusting the folder.
    writeFileSync(
      join(configDir, ".claude.json"),
      JSON.stringify({
        hasCompletedOnboarding: true,
        customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] },
        projects: { [cwd]: { hasTrustDialogAccepted: true } },
      }),
    );
    writeFileSync(join(configDir, "settings.json"), JSON.stringify({ permissions: { allow: ["Bash"] } }));
    // `script` gives Claude Code the terminal it needs for its interactive UI.
    const child = spawn("script", ["-qfec", `'${claudeBin}' 'Please write tty-proof.txt'`, "/dev/null"], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        TERM: "xterm-256color",
        CLAUDE_CONFIG_DIR: configDir,
        ANTHROPIC_BASE_URL: cloud.urls.anthropic,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let screen = "";
    child.stdout?.on("data", (d: Buffer) => {
      screen += d.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
    try {
      await waitFor("the scripted turn to finish", async () =>
        (await ctl.messages()).some((r) => r.kind === "main" && r.answer === "text"),
      );
      await waitFor("the final answer on screen", () => screen.includes("Wrote tty-proof.txt."));
      expect(existsSync(join(cwd, "tty-proof.txt"))).toBe(true);
      const reqs = await ctl.messages();
      expect(reqs.filter((r) => r.kind === "main").map((r) => r.answer)).toEqual(["tool", "text"]);
      // Interactive mode asks for a session title even so: a side request (no tools), answered
      // with JSON that fits its schema, which Claude Code shows as the terminal title.
      await waitFor("the title request", async () => (await ctl.messages()).some((r) => r.kind === "side"));
      const sides = (await ctl.messages()).filter((r) => r.kind === "side");
      expect(sides.every((r) => r.toolCount === 0 && r.answer === "side")).toBe(true);
      await waitFor("the scripted title on screen", () => screen.includes("Scripted session"));
    } finally {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
      await exited;
    }
  }, 180_000);
});
