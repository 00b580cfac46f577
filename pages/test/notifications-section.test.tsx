import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NotificationsSection } from "../src/views/NotificationsSection.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const allOn = { task_finished: true, task_failed: true, claude_waiting: true };
// 65 bytes: 0x04 then 1..64.
const publicKeyBytes = new Uint8Array(65).map((_, i) => (i === 0 ? 4 : i));
const publicKey = btoa(String.fromCharCode(...publicKeyBytes))
  .replace(/\+/g, "-")
  .replace(/\//g, "_")
  .replace(/=+$/, "");
const browserSubscription = {
  endpoint: "https://push.example.net/send/device-1",
  expirationTime: null,
  keys: {
    p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    auth: "BTBZMqHH6r4Tts7J_aSIgg",
  },
};

let container: HTMLElement;
let root: Root;
let fetchMock: ReturnType<typeof vi.fn>;
let subscribe: ReturnType<typeof vi.fn>;
let held: { endpoint: string; unsubscribe: () => Promise<boolean> } | null;

/** A browser with a service worker and a push service that hands out `browserSubscription`. */
function stubPushBrowser(permission: NotificationPermission) {
  held = null;
  subscribe = vi.fn(async () => {
    held = {
      ...browserSubscription,
      options: { applicationServerKey: publicKeyBytes.buffer },
      toJSON: () => browserSubscription,
      unsubscribe: async () => {
        held = null;
        return true;
      },
    } as never;
    return held;
  });
  const registration = { pushManager: { subscribe, getSubscription: async () => held } };
  vi.stubGlobal("PushManager", class {});
  vi.stubGlobal("Notification", { permission: "default", requestPermission: vi.fn(async () => permission) });
  Object.defineProperty(navigator, "serviceWorker", {
    configurable: true,
    value: {
      register: vi.fn(async () => registration),
      ready: Promise.resolve(registration),
      getRegistration: vi.fn(async () => registration),
    },
  });
}

beforeEach(() => {
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "serviceWorker");
});

const flush = () => act(async () => {});
const button = (text: string) =>
  [...container.querySelectorAll("button")].find((b) => b.textContent === text) as HTMLButtonElement;
const calls = () => fetchMock.mock.calls.map(([url, init]) => [(init as RequestInit).method, url]);

describe("notifications in settings", () => {
  it("turns push on for this device: subscribes with Berth's key and hands the subscription over", async () => {
    stubPushBrowser("granted");
    fetchMock.mockResolvedValueOnce(json(200, allOn));
    act(() => root.render(<NotificationsSection />));
    await flush();
    fetchMock
      .mockResolvedValueOnce(json(200, { public_key: publicKey }))
      .mockResolvedValueOnce(json(201, { endpoint: browserSubscription.endpoint, created_at: "now" }));
    await act(async () => button("Turn on for this device").click());
    await flush();
    const options = subscribe.mock.calls[0]?.[0] as PushSubscriptionOptionsInit;
    expect(options.userVisibleOnly).toBe(true);
    expect([...(options.applicationServerKey as Uint8Array)]).toEqual([...publicKeyBytes]);
    expect(calls()).toEqual([
      ["GET", "/api/me/notifications"],
      ["GET", "/api/push/config"],
      ["POST", "/api/push/subscriptions"],
    ]);
    expect(JSON.parse(String((fetchMock.mock.calls[2] as [string, RequestInit])[1].body))).toEqual(
      browserSubscription,
    );
    expect(container.querySelector("[data-testid=push-device]")?.textContent).toBe("On for this device.");

    fetchMock.mockResolvedValueOnce(json(202, { subscriptions: 2, delivered: 1, removed: 1, failed: 0 }));
    await act(async () => button("Send a test").click());
    expect(calls().at(-1)).toEqual(["POST", "/api/push/test"]);
    expect(container.querySelector("[role=status]")?.textContent).toBe(
      "Sent to 1 of 2 device(s); 1 no longer subscribed, removed.",
    );

    fetchMock.mockResolvedValueOnce(json(204));
    await act(async () => button("Turn off for this device").click());
    expect(calls().at(-1)).toEqual(["DELETE", "/api/push/subscriptions"]);
    expect(held).toBeNull();
    expect(button("Turn on for this device")).toBeDefined();
  });

  it("says so when the person blocks notifications, and subscribes nothing", async () => {
    stubPushBrowser("denied");
    fetchMock.mockResolvedValueOnce(json(200, allOn));
    act(() => root.render(<NotificationsSection />));
    await flush();
    fetchMock.mockResolvedValueOnce(json(200, { public_key: publicKey }));
    await act(async () => button("Turn on for this device").click());
    await flush();
    expect(subscribe).not.toHaveBeenCalled();
    expect(container.textContent).toContain("Notifications are blocked for this site");
    expect(calls().map(([, url]) => url)).not.toContain("/api/push/subscriptions");
  });

  it("explains a push service that refuses the browser, and stores nothing", async () => {
    stubPushBrowser("granted");
    subscribe.mockRejectedValueOnce(
      new DOMException("Registration failed - permission denied", "AbortError"),
    );
    fetchMock.mockResolvedValueOnce(json(200, allOn));
    act(() => root.render(<NotificationsSection />));
    await flush();
    fetchMock.mockResolvedValueOnce(json(200, { public_key: publicKey }));
    await act(async () => button("Turn on for this device").click());
    await flush();
    expect(container.querySelector("[role=alert]")?.textContent).toContain(
      "This browser could not subscribe at its push service (Registration failed - permission denied)",
    );
    expect(calls().map(([, url]) => url)).not.toContain("/api/push/subscriptions");
    expect(button("Turn on for this device")).toBeDefined();
  });

  it("turns a kind off with all three choices sent, and says when this browser cannot push", async () => {
    fetchMock.mockResolvedValueOnce(json(200, allOn));
    act(() => root.render(<NotificationsSection />));
    await flush();
    expect(container.querySelector("[data-testid=push-device]")?.textContent).toBe(
      "This browser cannot receive push notifications.",
    );
    fetchMock.mockResolvedValueOnce(json(200, { ...allOn, claude_waiting: false }));
    const box = container.querySelector<HTMLInputElement>("input[name=claude_waiting]") as HTMLInputElement;
    expect(box.checked).toBe(true);
    await act(async () => box.click());
    await flush();
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect([init.method, url]).toEqual(["PUT", "/api/me/notifications"]);
    expect(JSON.parse(String(init.body))).toEqual({
      task_finished: true,
      task_failed: true,
      claude_waiting: false,
    });
    expect(container.querySelector<HTMLInputElement>("input[name=claude_waiting]")?.checked).toBe(false);

    // A choice the server refuses flips back, with the reason.
    fetchMock.mockResolvedValueOnce(json(500, { error: { code: "internal_error", message: "D1 is down" } }));
    await act(async () => container.querySelector<HTMLInputElement>("input[name=task_failed]")?.click());
    await flush();
    expect(container.querySelector<HTMLInputElement>("input[name=task_failed]")?.checked).toBe(true);
    expect(container.querySelector<HTMLInputElement>("input[name=claude_waiting]")?.checked).toBe(false);
    expect(container.querySelector("[role=alert]")?.textContent).toContain("D1 is down");
  });
});
