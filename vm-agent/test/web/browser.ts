/**
 * Chromium (Debian's, via playwright-core) driving the terminal page like a person would, plus
 * readers for what xterm.js actually painted. We read the DOM renderer's rows (`.xterm-rows`), not
 * any internal buffer, so a test only passes if the text is visible on screen.
 */
import { type Browser, chromium, type Page } from "playwright-core";

const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Each launch gets its own throwaway profile, and each context its own cookie jar. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
}

/** Console errors and uncaught exceptions of a page; a working page has none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/**
 * Records every text the page's #banner shows, in order, from the page's first load on. A banner
 * can move on (warning -> saving -> saved) faster than a test polls it on a loaded machine; the
 * observer runs in the page on each change, so no step is missed. Call before the first goto.
 */
export async function recordBanners(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { berthBanners: string[] }).berthBanners = seen;
    const watch = () => {
      const el = document.getElementById("banner");
      if (!el) return;
      const note = () => {
        const text = el.hidden ? null : (el.textContent ?? "");
        if (text !== null && text !== seen.at(-1)) seen.push(text);
      };
      new MutationObserver(note).observe(el, {
        attributes: true,
        childList: true,
        characterData: true,
        subtree: true,
      });
      note();
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
    else watch();
  });
}

/** The banners recorded so far by recordBanners, oldest first. */
export function bannersShown(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as unknown as { berthBanners?: string[] }).berthBanners ?? [])]);
}

/** The visible rows of the active (not hidden) terminal, right-trimmed. */
export async function screenRows(page: Page): Promise<string[]> {
  return page.$$eval(".term:not([hidden]) .xterm-rows > div", (rows) =>
    rows.map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()),
  );
}

export async function screenText(page: Page): Promise<string> {
  return (await screenRows(page)).join("\n");
}

/** Polls the painted screen until `check` holds; the error shows what was on screen. */
export async function waitForScreen(
  page: Page,
  check: (rows: string[]) => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await screenRows(page);
    if (check(rows)) return rows;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${rows.join("\n")}`);
}

/** Waits for a row that is exactly `line` (so a command's echo does not count as its output). */
export function waitForRow(page: Page, line: string, timeoutMs?: number): Promise<string[]> {
  return waitForScreen(page, (rows) => rows.some((r) => r.trim() === line), `a row "${line}"`, timeoutMs);
}

/** How many rows are exactly `line`. */
export function countRows(rows: string[], line: string): number {
  return rows.filter((r) => r.trim() === line).length;
}

/** Types into the focused terminal with real key events, then Enter. */
export async function typeLine(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}
