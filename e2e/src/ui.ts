// What the end-to-end tests do in the dashboard and the terminal, as a person would.
import type { BrowserContext, Page } from "playwright-core";
import { baseUrl } from "./system.ts";

export async function signIn(page: Page, login: string) {
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Sign in with GitHub" }).click();
  await page.locator(`button[data-login="${login}"]`).click();
  await page.waitForURL(`${baseUrl}/**`);
  await page.getByRole("button", { name: "Create workspace" }).waitFor();
}

/** The terminal's visible rows as text, one string per row (xterm.js's DOM renderer). */
export async function terminalRows(terminal: Page): Promise<string[]> {
  const rows = await terminal.locator(".xterm-rows > div").allTextContents();
  return rows.map((row) => row.replace(/\u00a0/g, " ").trim());
}

export const json = async <T>(url: string, init?: RequestInit): Promise<T> =>
  (await (await fetch(url, init)).json()) as T;

/** Creates a workspace from the dashboard; resolves with its id once the page shows it. */
export async function createWorkspace(page: Page, repoUrl: string): Promise<string> {
  await page.goto(baseUrl);
  await page.getByRole("textbox", { name: "Repository URL" }).fill(repoUrl);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.waitForURL(/#\/w\/w[a-z0-9]+/);
  return /#\/w\/(w[a-z0-9]+)/.exec(page.url())?.[1] ?? "";
}

/** Waits for "Open terminal", opens it, and waits for a shell prompt that answers. */
export async function openTerminal(context: BrowserContext, page: Page): Promise<Page> {
  const open = page.getByRole("button", { name: "Open terminal" });
  await open.waitFor({ timeout: 180_000 });
  const deadline = Date.now() + 180_000;
  while (!(await open.isEnabled()) && Date.now() < deadline) await page.waitForTimeout(500);
  const [terminal] = await Promise.all([context.waitForEvent("page"), open.click()]);
  await terminal.locator(".xterm-rows").waitFor({ timeout: 30_000 });
  // Keys typed before the shell runs can be read by whatever starts it (devcontainer exec).
  await waitForPrompt(terminal, 120_000);
  await terminal.locator(".xterm-helper-textarea").focus();
  return terminal;
}

/** Types a line and waits until a row shows `marker` (e.g. the command's own output). */
export async function run(terminal: Page, line: string, marker: string | RegExp, timeoutMs = 60_000) {
  await terminal.locator(".xterm-helper-textarea").focus();
  await terminal.keyboard.type(`${line}\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await terminalRows(terminal);
    if (rows.some((r) => (typeof marker === "string" ? r.includes(marker) : marker.test(r)))) return rows;
    if (Date.now() > deadline) throw new Error(`no "${String(marker)}" in the terminal:\n${rows.join("\n")}`);
    await terminal.waitForTimeout(300);
  }
}

/** Waits until the terminal's last non-empty row is the shell's prompt again (root's ends in `#`). */
export async function waitForPrompt(terminal: Page, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (await terminalRows(terminal)).filter((r) => r.length > 0);
    if (/^root@[^ ]+:[^ ]+#$/.test(rows.at(-1) ?? "")) return;
    if (Date.now() > deadline) throw new Error(`no shell prompt in the terminal:\n${rows.join("\n")}`);
    await terminal.waitForTimeout(300);
  }
}
