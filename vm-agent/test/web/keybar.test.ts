/**
 * The touch key bar on a phone-sized, touch-only Chromium: the keys a soft keyboard lacks must
 * reach the shell. Taps are real touch events (Playwright's tap), letters come from the keyboard
 * as a soft keyboard would type them into the focused terminal.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startWebAgent, type WebAgent } from "./agent.ts";
import { collectErrors, countRows, launchBrowser, typeLine, waitForRow, waitForScreen } from "./browser.ts";

// Above the 5 s screen waits, so a stuck page fails with what was on screen, not a bare timeout.
setDefaultTimeout(15_000);

let agent: WebAgent;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [agent, browser] = await Promise.all([startWebAgent(), launchBrowser()]);
  // Roughly an iPhone 14: no mouse, coarse pointer, so the page decides on its own to show the bar.
  const context = await browser.newContext({
    viewport: { width: 390, height: 664 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  page = await context.newPage();
  errors = collectErrors(page);
  await page.goto(await agent.tokenUrl());
  await waitForScreen(page, (rows) => rows.some((r) => r.startsWith("PROMPT$")), "a prompt");
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
});

const key = (title: string) => page.locator(`#keybar button[title="${title}"]`);

/** The last non-empty row: the cursor's line in these short sessions. */
const lastNonEmpty = (rows: string[]) => rows.filter((r) => r !== "").at(-1);

describe("touch key bar", () => {
  test("is shown on a touch screen, with the keys Claude Code needs", async () => {
    expect(await page.locator("#keybar").isVisible()).toBe(true);
    const titles = await page.$$eval("#keybar button", (bs) => bs.map((b) => b.getAttribute("title")));
    for (const t of ["Escape", "Tab", "Shift+Tab", "Ctrl (sticky)", "Left", "Up", "Down", "Right"]) {
      expect(titles).toContain(t);
    }
  });

  test("Ctrl then c interrupts a running sleep", async () => {
    await typeLine(page, "sleep 100");
    // Let bash start sleep, so the ^C goes to sleep rather than to the line editor.
    await waitForScreen(page, (r) => r.some((x) => x === "PROMPT$ sleep 100"), "the command line");
    await Bun.sleep(300);
    await key("Ctrl (sticky)").tap();
    expect(await key("Ctrl (sticky)").getAttribute("aria-pressed")).toBe("true");
    await page.keyboard.type("c");
    // The modifier is used up by one key, and the prompt comes back long before 100 s.
    await waitForScreen(
      page,
      (r) => r.filter((x) => x.startsWith("PROMPT$")).length >= 2,
      "a new prompt",
      3000,
    );
    expect(await key("Ctrl (sticky)").getAttribute("aria-pressed")).toBe("false");
    // 130 = 128 + SIGINT: sleep really was interrupted, not finished.
    await typeLine(page, "echo status=$?");
    await waitForRow(page, "status=130");
  });

  test("Tab completes a file name", async () => {
    await writeFile(join(agent.dir, "berth-completion-target.txt"), "");
    await page.keyboard.type("ls berth-compl");
    await key("Tab").tap();
    await waitForScreen(
      page,
      (r) => r.some((x) => x === "PROMPT$ ls berth-completion-target.txt"),
      "the completed command line",
    );
    await page.keyboard.press("Enter");
    await waitForRow(page, "berth-completion-target.txt");
  });

  test("arrow up recalls the previous command", async () => {
    await typeLine(page, "echo recall-$((40+2))");
    await waitForRow(page, "recall-42");
    await key("Up").tap();
    // The last line is a fresh prompt until bash redraws it with the recalled command.
    await waitForScreen(
      page,
      (r) => lastNonEmpty(r) === "PROMPT$ echo recall-$((40+2))",
      "the recalled command",
    );
    await page.keyboard.press("Enter");
    await waitForScreen(page, (r) => countRows(r, "recall-42") === 2, "the recalled command's output");
    expect(errors).toEqual([]);
  });
});
