// Your environment: a secret set on the dashboard is in the terminal's environment (and on no
// command line); a server started in the terminal shows in the workspace's port list; made public,
// someone with no cookie reaches it; made private again, they get the sign-in page. A secret changed
// meanwhile reaches a new terminal after a restart of the workspace's environment.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { type ServedRepo, serveGitRepo } from "../src/git-repo.ts";
import { processesWithOnCommandLine } from "../src/processes.ts";
import { baseUrl, type RunningSystem, startSystem } from "../src/system.ts";
import { createWorkspace, openTerminal, run, signIn, terminalRows } from "../src/ui.ts";

let system: RunningSystem;
let repo: ServedRepo;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const secretName = "E2E_ENV_SECRET";
const secretValue = `v-${crypto.randomUUID().slice(0, 12)}-Qz7`;
const port = 8123;

/** Fetches `url` in a fresh browser context (no cookies) until `ok` holds for its text. */
async function asStranger(url: string, ok: (status: number, text: string) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const stranger = await browser.newContext();
  const tab = await stranger.newPage();
  try {
    for (;;) {
      const res = await tab.goto(url);
      const text = (await tab.content()) ?? "";
      const status = res?.status() ?? 0;
      if (ok(status, text)) {
        await screenshot(tab, `port-as-stranger-${status}`);
        return { status, text };
      }
      if (Date.now() > deadline) throw new Error(`timed out at ${url}: HTTP ${status} ${text.slice(0, 300)}`);
      await tab.waitForTimeout(1000);
    }
  } finally {
    await stranger.close();
  }
}

beforeAll(async () => {
  repo = await serveGitRepo({ "README.md": "# env demo\n" });
  system = await startSystem({});
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  await signIn(page, "bob");
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await repo?.stop();
});

describe("your environment", () => {
  it("puts a dashboard secret into the terminal, lists a server's port, shares it publicly and back, and a changed secret reaches a new terminal", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.locator("#secret-name").fill(secretName);
    await page.locator("#secret-value").fill(secretValue);
    await page.getByRole("button", { name: "Save secret" }).click();
    // "Saved" shows in the same render that empties the form: until then the page holds the value
    // the test typed (React mirrors a controlled textarea's value into its text). The list alone
    // is no sign of the save: the name may be there from an earlier run on the same database.
    await page.getByText(`Saved ${secretName}.`).waitFor({ timeout: 10_000 });
    await page.getByTestId("secret-list").getByText(secretName).waitFor({ timeout: 10_000 });
    expect(await page.locator("#secret-value").inputValue()).toBe("");
    // Neither the page nor the API that lists secrets shows the value once it is saved.
    expect(await page.content()).not.toContain(secretValue);
    const listed = await page.request.get(`${baseUrl}/api/secrets`);
    expect(listed.status()).toBe(200);
    expect(await listed.text()).toContain(secretName);
    expect(await listed.text()).not.toContain(secretValue);
    await screenshot(page, "secret-set");

    const id = await createWorkspace(page, repo.url);
    const terminal = await openTerminal(context, page);
    await run(terminal, `printenv ${secretName} | tr a-z A-Z`, secretValue.toUpperCase());
    expect(processesWithOnCommandLine(secretValue)).toEqual([]);

    await run(
      terminal,
      `node -e "require('http').createServer((q,s)=>s.end('hello from '+q.url)).listen(${port})" &`,
      /\[\d+\]/,
    );
    const row = page.getByTestId(`port-${port}`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toContain("node");
    await screenshot(page, "port-listed");
    const portUrl = (await row.getByRole("link").getAttribute("href")) ?? "";
    expect(portUrl).toContain(`${port}.${id}.`);

    // Private: a stranger gets the sign-in page.
    await asStranger(`${portUrl}/private-check`, (s, t) => s === 401 && t.includes("private"));

    await page.getByRole("button", { name: `Make port ${port} public` }).click();
    await page.getByTestId(`port-${port}-visibility`).getByText("public").waitFor({ timeout: 10_000 });
    await asStranger(`${portUrl}/shared`, (s, t) => s === 200 && t.includes("hello from /shared"));

    await page.getByRole("button", { name: `Make port ${port} private` }).click();
    await page.getByTestId(`port-${port}-visibility`).getByText("private").waitFor({ timeout: 10_000 });
    await asStranger(`${portUrl}/again`, (s, t) => s === 401 && t.includes("private"));

    // The timeline records both changes.
    const events = (await (await page.request.get(`${baseUrl}/api/workspaces/${id}/events`)).json()) as {
      events: { type: string; message: string }[];
    };
    expect(events.events.filter((e) => e.type === "port").map((e) => e.message)).toEqual([
      `port ${port} is now public: anyone with its URL can open it`,
      `port ${port} is now private to you`,
    ]);

    // A secret changed while the workspace runs reaches new terminals after a restart of its
    // environment (heartbeats come every few seconds while the port listens); open ones keep theirs.
    const rotated = `r-${crypto.randomUUID().slice(0, 12)}-Pw8`;
    await page.getByRole("link", { name: "Settings" }).click();
    await page.locator("#secret-name").fill(secretName);
    await page.locator("#secret-value").fill(rotated);
    await page.getByRole("button", { name: "Save secret" }).click();
    await page.getByText(`Saved ${secretName}.`).waitFor({ timeout: 10_000 });
    await page.goto(`${baseUrl}/#/w/${id}`);
    await page.getByRole("button", { name: "Restart environment" }).click({ timeout: 30_000 });
    await page.getByTestId("environment-restarted").waitFor({ timeout: 90_000 });
    await screenshot(page, "environment-restarted");
    await terminal.getByRole("button", { name: "New terminal" }).click();
    await terminal.locator(".xterm-helper-textarea").nth(1).focus();
    await terminal.keyboard.type(`printenv ${secretName} | tr a-z A-Z\n`);
    await expect
      .poll(async () => (await terminalRows(terminal)).join("\n"), { timeout: 60_000 })
      .toContain(rotated.toUpperCase());
    expect(processesWithOnCommandLine(rotated)).toEqual([]);
    await terminal.locator(".tab .close").nth(1).click();
    await expect.poll(() => terminal.locator(".xterm-helper-textarea").count()).toBe(1);
    await run(terminal, `printenv ${secretName} | rev`, [...secretValue].reverse().join(""));

    // A server that stops drops off the list.
    await run(terminal, "kill %1; echo killed-$((40+2))", "killed-42");
    await row.waitFor({ state: "detached", timeout: 60_000 });
    await page.request.delete(`${baseUrl}/api/workspaces/${id}`);
  });
});
