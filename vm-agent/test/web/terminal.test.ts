/**
 * The terminal page in a real Chromium against the real agent server and a real PTY bash: login by
 * token, typing, reconnect replay, tabs, resize, banner, and the 401 without a token. The tests run
 * in order on one page (each builds on the previous one's screen, like a person's session).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startWebAgent, type WebAgent } from "./agent.ts";
import {
  collectErrors,
  countRows,
  launchBrowser,
  screenRows,
  typeLine,
  waitForRow,
  waitForScreen,
} from "./browser.ts";

// Above the 5 s screen waits, so a stuck page fails with what was on screen, not a bare timeout.
setDefaultTimeout(15_000);

let agent: WebAgent;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [agent, browser] = await Promise.all([startWebAgent(), launchBrowser()]);
  context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  page = await context.newPage();
  errors = collectErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
});

/** The prompt is on screen, so bash is reading input. */
const prompted = (p: Page) =>
  waitForScreen(p, (rows) => rows.some((r) => r.startsWith("PROMPT$")), "a prompt");

/** The size the page says its active terminal has, from the status line ("● name · 80×24"). */
async function statusSize(p: Page): Promise<{ cols: number; rows: number }> {
  const m = /· (\d+)×(\d+)/.exec((await p.textContent("#status")) ?? "");
  if (!m) throw new Error(`no size in the status line: ${await p.textContent("#status")}`);
  return { cols: Number(m[1]), rows: Number(m[2]) };
}

describe("terminal page in Chromium", () => {
  test("token login redirects to the bare URL, the page loads cleanly, and typing runs commands", async () => {
    const res = await page.goto(await agent.tokenUrl());
    // The token request answered 302 with our cookie; the browser landed on the URL without it.
    const first = res?.request().redirectedFrom();
    expect(first?.url()).toContain("?token=");
    expect((await first?.response())?.status()).toBe(302);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(agent.base);
    expect((await context.cookies()).map((c) => [c.name, c.httpOnly])).toEqual([["berth_terminal", true]]);

    await page.waitForSelector(".term:not([hidden]) .xterm-rows");
    await prompted(page);
    await typeLine(page, "echo $((6*7))");
    // A row that is exactly "42": the command's output, not its echo.
    await waitForRow(page, "42");
    expect(agent.humanInputs.count).toBeGreaterThan(0);
    expect(agent.server.sessions()).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  test("a reload replays the session's earlier output once", async () => {
    // The new page has an empty xterm.js: "42" can only come from the agent's scrollback.
    await page.reload();
    const rows = await waitForRow(page, "42");
    expect(countRows(rows, "42")).toBe(1);
    expect(rows.some((r) => r.includes("echo $((6*7))"))).toBe(true);
    expect(agent.server.sessions()).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  test("the + button opens a second tab whose input does not reach the first", async () => {
    await page.click("#newtab");
    await page.waitForFunction(() => document.querySelectorAll("#tablist .tab").length === 2, null, {
      timeout: 3000,
    });
    expect(agent.server.sessions()).toHaveLength(2);
    await prompted(page);
    // The new tab is a fresh shell: nothing from the first one is on its screen.
    expect(countRows(await screenRows(page), "42")).toBe(0);
    await typeLine(page, "echo tab2-$((2*50))");
    await waitForRow(page, "tab2-100");

    await page.click("#tablist .tab >> nth=0");
    const first = await waitForRow(page, "42");
    expect(first.join("\n")).not.toContain("tab2");
    expect(errors).toEqual([]);
  });

  test("keys typed before a terminal's connection opens reach its shell", async () => {
    const late = await context.newPage();
    // Hold the page's terminal connection until the keys are typed, as a slow network would.
    let open = () => {};
    const typed = new Promise<void>((resolve) => {
      open = resolve;
    });
    await late.routeWebSocket(/\/ws$/, async (ws) => {
      await typed;
      ws.connectToServer();
    });
    await late.goto(agent.base);
    await late.locator(".xterm-helper-textarea").first().focus();
    await typeLine(late, "echo early-$((6*7))");
    open();
    await waitForRow(late, "early-42");
    await late.close();
  });

  test("resizing the window resizes the PTY (tput cols)", async () => {
    const before = await statusSize(page);
    await page.setViewportSize({ width: 520, height: 500 });
    // The status line tracks the terminal's size once xterm.js has refitted to the window.
    await page.waitForFunction(
      (cols) => !document.querySelector("#status")?.textContent?.includes(`${cols}×`),
      before.cols,
      { timeout: 3000 },
    );
    const after = await statusSize(page);
    expect(after.cols).toBeLessThan(before.cols);
    await typeLine(page, "clear; tput cols; tput lines");
    await waitForRow(page, String(after.cols));
    await waitForRow(page, String(after.rows));
    expect(errors).toEqual([]);
  });

  test("broadcastBanner shows the banner on the page, and null hides it", async () => {
    const banner = page.locator("#banner");
    expect(await banner.isVisible()).toBe(false);
    agent.server.broadcastBanner("Berth: idle, shutting down in 2 min unless you type something");
    await banner.waitFor({ state: "visible", timeout: 3000 });
    expect(await banner.textContent()).toBe("Berth: idle, shutting down in 2 min unless you type something");
    agent.server.broadcastBanner(null);
    await banner.waitFor({ state: "hidden", timeout: 3000 });
    expect(errors).toEqual([]);
  });

  test("without a token, or with a bad one, the page is a 401 with no terminal", async () => {
    // A fresh context: no cookie from the login above.
    const stranger = await browser.newContext();
    try {
      const p = await stranger.newPage();
      const bare = await p.goto(agent.base);
      expect(bare?.status()).toBe(401);
      expect(await p.locator(".xterm").count()).toBe(0);

      const wrongAud = await p.goto(await agent.tokenUrl({ aud: "someone-else" }));
      expect(wrongAud?.status()).toBe(401);
      const expired = await p.goto(await agent.tokenUrl({ expiresIn: -120 }));
      expect(expired?.status()).toBe(401);
      expect(await stranger.cookies()).toEqual([]);
      expect(await p.locator(".xterm").count()).toBe(0);
    } finally {
      await stranger.close();
    }
    // Still only the two sessions the logged-in page made.
    expect(agent.server.sessions()).toHaveLength(2);
  });
});
