import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { root } from "./system.ts";

export const screenshotDir = path.join(root, "e2e/screenshots");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Starts a run's screenshots afresh, so the folder never mixes two runs. */
export function resetScreenshots() {
  rmSync(screenshotDir, { recursive: true, force: true });
}

/** Numbered screenshots a person can page through after the run (test files continue the count). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const shot = readdirSync(screenshotDir).filter((f) => f.endsWith(".png")).length + 1;
  const file = path.join(screenshotDir, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
