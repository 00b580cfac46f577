// Notifications in local mode: the dashboard's service worker and Settings section, and a push the
// Worker signs and encrypts, received and decrypted by the push service stand-in (what a browser's
// push service and the browser would do). Headless Chromium cannot subscribe at a real push service
// here (no FCM: pushManager.subscribe answers "Registration failed - permission denied"), so the
// subscription is made at the stand-in with keys it holds, and handed to Berth through the API, as
// the dashboard would after a successful subscribe.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { baseUrl, type RunningSystem, startSystem } from "../src/system.ts";
import { signIn } from "../src/ui.ts";

const pushService = "http://127.0.0.1:8705";

let system: RunningSystem;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface PushMessage {
  subscription: string;
  ttl: number;
  vapid: { aud: string; sub: string; key: string };
  payload: string | null;
  decrypt_error: string | null;
}

beforeAll(async () => {
  system = await startSystem({});
  browser = await launchChromium();
  context = await browser.newContext();
  await context.grantPermissions(["notifications"], { origin: baseUrl });
  page = await context.newPage();
  await signIn(page, "carol");
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("notifications", () => {
  it("serves the service worker at the root and shows the Notifications section in Settings", async () => {
    const sw = await page.request.get(`${baseUrl}/sw.js`);
    expect(sw.status()).toBe(200);
    expect(sw.headers()["content-type"]).toContain("javascript");
    expect(await sw.text()).toContain("notificationclick");

    await page.getByRole("link", { name: "Settings" }).click();
    const section = page.getByRole("region", { name: "Notifications" });
    await section.getByRole("button", { name: "Turn on for this device" }).click();
    // No push service reachable from headless Chromium here: the person is told, nothing is stored.
    await section.getByText(/Registration failed|push service|not supported/i).waitFor({ timeout: 30_000 });
    await screenshot(page, "notifications-settings");
    await section.getByRole("checkbox", { name: "A task failed" }).uncheck();
    await expect
      .poll(async () => (await page.request.get(`${baseUrl}/api/me/notifications`)).json())
      .toEqual({ task_finished: true, task_failed: false, claude_waiting: true });
  });

  it("a test push reaches the push service signed for it, and decrypts to what Berth sent", async () => {
    const config = (await (await page.request.get(`${baseUrl}/api/push/config`)).json()) as {
      public_key: string;
    };
    const made = await fetch(`${pushService}/__berth/subscriptions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ application_server_key: config.public_key }),
    });
    const { id, ...subscription } = (await made.json()) as { id: string; endpoint: string };
    // As the dashboard sends it: cookie-authenticated writes must carry the dashboard's Origin.
    const origin = { origin: baseUrl };
    const saved = await page.request.post(`${baseUrl}/api/push/subscriptions`, {
      data: subscription,
      headers: origin,
    });
    expect(saved.status(), await saved.text()).toBe(201);

    const sent = await page.request.post(`${baseUrl}/api/push/test`, { headers: origin });
    expect(await sent.json()).toEqual({ subscriptions: 1, delivered: 1, removed: 0, failed: 0 });
    const messages = (await (await fetch(`${pushService}/__berth/messages`)).json()) as PushMessage[];
    const mine = messages.filter((m) => m.subscription === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.vapid).toMatchObject({ aud: pushService, key: config.public_key });
    expect(mine[0]?.decrypt_error).toBeNull();
    expect(JSON.parse(mine[0]?.payload ?? "{}")).toEqual({
      kind: "test",
      title: "Berth",
      body: "Notifications work on this device.",
      url: "/#/settings",
      tag: "berth-test",
    });
  });
});
