// PENDING (branch ghcp): move to e2e/test/github-app.test.ts once branches ghstand (the GitHub
// stand-in's App, fixture and git server) and ghvm (the agent's credential helper and git status)
// are merged with ghcp. It passed on a local merge of the three (2 tests, 138 s).
// Real work on a private repository through the GitHub App, from the browser, in local mode: sign
// in, pick the private repo in the picker, the workspace clones it, a commit made in the terminal is
// pushed and lands in the stand-in's repo authored as the person, and a pull request is opened from
// the dashboard. A repo the App is not installed on gets the install link and no VM.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { baseUrl, localCloud, type RunningSystem, startSystem } from "../src/system.ts";
import { json, openTerminal, run, signIn, waitForPrompt } from "../src/ui.ts";

const github = "http://127.0.0.1:8703";

let system: RunningSystem;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  system = await startSystem({});
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  await signIn(page, "alice");
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("a private repository through the GitHub App", () => {
  it("refuses a repository without the App with the install link, and makes no VM", async () => {
    const before = await json<{ servers: unknown[] }>(`${localCloud.hetzner}/v1/servers`, {
      headers: { authorization: "Bearer local-hetzner-token" },
    });
    await page.goto(baseUrl);
    await page.getByRole("textbox", { name: "Repository URL" }).fill(`${github}/bob/dotfiles.git`);
    await page.getByRole("button", { name: "Create workspace" }).click();
    const alert = page.getByTestId("app-not-installed");
    await alert.waitFor();
    const link = alert.getByRole("link", { name: "Install the GitHub App" });
    expect(await link.getAttribute("href")).toBe(`${github}/apps/berth-local/installations/new`);
    await screenshot(page, "github-app-not-installed");
    const after = await json<{ servers: unknown[] }>(`${localCloud.hetzner}/v1/servers`, {
      headers: { authorization: "Bearer local-hetzner-token" },
    });
    expect(after.servers.length).toBe(before.servers.length);
  });

  it("clones the private repo picked in the picker, pushes a commit as alice, and opens a PR", async () => {
    await page.goto(baseUrl);
    const field = page.getByRole("textbox", { name: "Repository URL" });
    await field.click();
    await field.fill("private");
    const choice = page.getByRole("list", { name: "Your GitHub repositories" }).getByRole("button", {
      name: /alice\/private-notes/,
    });
    await choice.click();
    expect(await field.inputValue()).toBe(`${github}/alice/private-notes.git`);
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/#\/w\/w[a-z0-9]+/);

    const terminal = await openTerminal(context, page);
    await waitForPrompt(terminal, 120_000);
    await run(terminal, "cat README.md", "Alice's private notes");
    await run(
      terminal,
      // The marker is computed by the shell, so the typed line itself never matches it, and it is
      // printed only when the push (not the pipe's tail) succeeded.
      `git switch -c e2e-notes && echo 'from berth' > e2e.txt && git add e2e.txt && git commit -qm 'Notes from Berth' && { git push -u origin e2e-notes 2>&1 | tail -1; [ \${PIPESTATUS[0]} -eq 0 ] && echo PUSHED-$((40+2)); }`,
      "PUSHED-42",
      120_000,
    );
    await screenshot(terminal, "github-app-pushed");

    const log = await json<{
      commits: Array<{ message: string; author_name: string; author_email: string }>;
    }>(`${github}/__berth/repos/alice/private-notes/commits?branch=e2e-notes&max=1`);
    expect(log.commits[0]?.message.trim()).toBe("Notes from Berth");
    expect(log.commits[0]?.author_email).toMatch(/\+alice@users\.noreply\.github\.com$/);

    // The agent reports the pushed branch with its heartbeat; the dashboard then offers the PR.
    const open = page.getByRole("button", { name: "Open pull request" });
    await open.waitFor({ timeout: 150_000 });
    await open.click();
    await page.getByRole("textbox", { name: "Title" }).fill("Notes from Berth");
    await page.getByRole("button", { name: "Create pull request" }).click();
    const pr = page.getByTestId("pull-request-link");
    await pr.waitFor();
    expect(await pr.getAttribute("href")).toMatch(/\/alice\/private-notes\/pull\/\d+$/);
    // One pull request per branch: the button is gone for this one.
    expect(await open.count()).toBe(0);
    await screenshot(page, "github-app-pull-request");
  });
});
