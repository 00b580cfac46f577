// The real Claude Code, inside a workspace's real devcontainer, against the Anthropic stand-in:
// a turn with a Bash tool call, a permission prompt the dashboard shows, a long turn that keeps
// the workspace alive, and a Claude killed mid-turn whose lease lapses so the workspace still dies.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { type ServedRepo, serveGitRepo } from "../src/git-repo.ts";
import { processesWithOnCommandLine } from "../src/processes.ts";
import { baseUrl, type RunningSystem, startSystem } from "../src/system.ts";
import { createWorkspace, json, openTerminal, run, signIn, terminalRows, waitForPrompt } from "../src/ui.ts";

const anthropic = "http://127.0.0.1:8704/__berth/anthropic";
const claudeKey = "sk-ant-api03-e2e-claude-in-container-7c1d";
/** Long enough for the 90-second turn's single PreToolUse to hold; short enough to watch lapse. */
const leaseSeconds = 120;

let system: RunningSystem;
let repo: ServedRepo;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface Detail {
  state: string;
  agent: { claude_state: string | null; claude_waiting_reason: string | null; idle_warning: boolean };
  progress: { at: string; message: string }[];
}
interface MessagesRecord {
  kind: string;
  answer?: string;
  apiKeyLast4: string | null;
  toolResults: { content: string }[];
}

const script = (steps: unknown[]) =>
  fetch(`${anthropic}/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ steps }),
  });
const requests = () => json<MessagesRecord[]>(`${anthropic}/requests`);
const detail = async (id: string) =>
  (await (await page.request.get(`${baseUrl}/api/workspaces/${id}`)).json()) as Detail;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Each boot step's duration, from the agent's progress lines (a step lasts until the next one). */
function stepDurations(all: Detail["progress"]): string {
  // Timeline marks carry when things happened (cloud-init's own start, read later), not when they
  // were sent: they would make the steps around them negative.
  const progress = all.filter((p) => !p.message.startsWith("[timeline]"));
  const out: string[] = [];
  for (let i = 0; i < progress.length - 1; i++) {
    const step = /^\[([a-z]+)\]/.exec(progress[i]?.message ?? "")?.[1] ?? "?";
    const ms = Date.parse(progress[i + 1]?.at ?? "") - Date.parse(progress[i]?.at ?? "");
    const last = out.at(-1);
    if (last?.startsWith(`${step} `))
      out[out.length - 1] = `${step} ${(Number(last.split(" ")[1]) + ms / 1000).toFixed(1)}`;
    else out.push(`${step} ${(ms / 1000).toFixed(1)}`);
  }
  return out.map((s) => `${s} s`).join(", ");
}

beforeAll(async () => {
  repo = await serveGitRepo({ "README.md": "# claude demo\n" });
  system = await startSystem({
    DEFAULT_IDLE_TIMEOUT_MINUTES: "0.5",
    IDLE_GRACE_MINUTES: "0.5",
    BERTH_CLAUDE_LEASE_SECONDS: String(leaseSeconds),
  });
  const image = /workspace image (\S+) (built|cached) in ([\d.]+) s/.exec(system.output());
  if (image) console.log(`figure: workspace image ${image[2]} in ${image[3]} s (${image[1]})`);
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  await signIn(page, "carol");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("textbox", { name: "Claude API key" }).fill(claudeKey);
  await page.getByRole("button", { name: "Save key" }).click();
  await page.getByText(/7c1d/).first().waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await repo?.stop();
});

describe("Claude Code in the devcontainer", () => {
  it("runs a tool turn, asks for permission on the dashboard, and keeps the workspace alive through a long turn", async () => {
    await fetch(`${anthropic}/script`, { method: "DELETE" });
    const created = Date.now();
    const id = await createWorkspace(page, repo.url);
    const terminal = await openTerminal(context, page);
    await run(terminal, "echo in-$((20+3))", "in-23");
    console.log(`figure: create -> terminal in container ${((Date.now() - created) / 1000).toFixed(1)} s`);
    console.log(`figure: boot steps: ${stepDurations((await detail(id)).progress)}`);

    // 1. `claude -p` completes a turn with a real Bash call inside the container.
    await script([
      {
        tool: "Bash",
        input: {
          command: ". /etc/os-release && echo tool-ran-on-$VERSION_CODENAME-in-$(pwd)",
          description: "Where am I",
        },
      },
      { text: "Turn one is done." },
    ]);
    await run(terminal, 'claude -p "Where do you run?" --allowedTools Bash', "Turn one is done.", 120_000);
    const main = (await requests()).filter((r) => r.kind === "main");
    expect(main.map((r) => r.answer)).toEqual(["tool", "text"]);
    expect(main[1]?.toolResults[0]?.content).toContain("tool-ran-on-bookworm-in-/workspaces/workspace");
    expect(main.every((r) => r.apiKeyLast4 === "7c1d")).toBe(true);
    await screenshot(terminal, "claude-turn-in-container");

    // 2. Interactive Claude asks to run a tool the settings do not allow: the dashboard says so.
    await script([
      { tool: "Bash", input: { command: "echo permitted > permitted.txt", description: "Write a file" } },
      { text: "Wrote it." },
    ]);
    await terminal.keyboard.type('claude "Please write permitted.txt"\n');
    await until(
      "Claude waiting for permission",
      () => detail(id),
      (d) => d.agent.claude_state === "waiting",
    );
    expect((await detail(id)).agent.claude_waiting_reason).toBe("permission_prompt");
    await page.getByText("Claude is waiting for you").first().waitFor({ timeout: 30_000 });
    await screenshot(page, "claude-waiting-for-permission");
    await screenshot(terminal, "claude-permission-prompt");
    await terminal.keyboard.press("Enter"); // "Yes"
    await until(
      "the answer",
      () => terminalRows(terminal),
      (rows) => rows.some((r) => r.includes("Wrote it.")),
      120_000,
    );
    await terminal.keyboard.type("/exit");
    await terminal.keyboard.press("Enter");
    await waitForPrompt(terminal);
    const rows = await run(terminal, "cat permitted.txt; echo done-$((1+1))", "done-2");
    expect(rows).toContain("permitted");

    // 3. A 90-second turn: longer than idle timeout + grace, yet no warning while it runs.
    await script([
      { tool: "Bash", input: { command: "sleep 90", description: "Wait" } },
      { text: "Slept well." },
    ]);
    const longStarted = Date.now();
    await terminal.keyboard.type('claude -p "Sleep a while" --allowedTools Bash\n');
    await until(
      "Claude working",
      () => detail(id),
      (d) => d.agent.claude_state === "working",
      60_000,
    );
    // While Claude runs in the container, no process on this machine has the key on its command line.
    expect(processesWithOnCommandLine(claudeKey.slice(-12))).toEqual([]);
    let sawWarning = false;
    await until(
      "the long turn to end",
      async () => {
        if ((await page.getByTestId("idle-countdown").count()) > 0 || (await detail(id)).agent.idle_warning) {
          sawWarning = true;
        }
        return terminalRows(terminal);
      },
      (rows) => rows.some((r) => r.includes("Slept well.")),
      240_000,
    );
    const longSeconds = (Date.now() - longStarted) / 1000;
    console.log(`figure: the scripted sleep-90 turn took ${longSeconds.toFixed(0)} s`);
    expect(longSeconds).toBeGreaterThan(90);
    expect(sawWarning).toBe(false);
    expect((await detail(id)).state).toBe("ready");
    await terminal.close();

    // Then, with Claude stopped and nobody typing, it goes idle and falls asleep (its VM deleted).
    await page.getByTestId("idle-countdown").waitFor({ timeout: 120_000 });
    await page.locator('[data-state="asleep"]').first().waitFor({ timeout: 180_000 });
    await screenshot(page, "claude-workspace-asleep");
  }, 900_000);

  it("a Claude killed mid-turn (no Stop) lets its lease lapse, and the workspace still dies", async () => {
    await fetch(`${anthropic}/script`, { method: "DELETE" });
    const id = await createWorkspace(page, repo.url);
    const terminal = await openTerminal(context, page);
    await script([{ tool: "Bash", input: { command: "sleep 3600", description: "Wait forever" } }]);
    await run(terminal, 'claude -p "Wait" --allowedTools Bash & echo started-$((2+2))', "started-4");
    await until(
      "Claude working",
      () => detail(id),
      (d) => d.agent.claude_state === "working",
      60_000,
    );
    const killed = Date.now();
    await run(terminal, "kill -9 %1; echo killed-$((3+3))", "killed-6");
    await terminal.close();
    // No Stop hook: the agent counts Claude as working until the lease lapses, then idles out.
    await page.getByTestId("idle-countdown").waitFor({ timeout: (leaseSeconds + 120) * 1000 });
    expect((Date.now() - killed) / 1000).toBeGreaterThan(30);
    await page.locator('[data-state="asleep"]').first().waitFor({ timeout: 180_000 });
    console.log(`figure: killed Claude -> workspace asleep ${((Date.now() - killed) / 1000).toFixed(0)} s`);
  }, 900_000);
});
