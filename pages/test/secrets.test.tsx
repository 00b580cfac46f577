import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SecretsSection } from "../src/views/SecretsSection.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const listed = (names: string[]) => ({
  secrets: names.map((name) => ({ name, repositories: null, updated_at: "2026-11-30T20:00:00Z" })),
});

let container: HTMLElement;
let root: Root;
let fetchMock: ReturnType<typeof vi.fn>;

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
});

const flush = () => act(async () => {});

function type(selector: string, value: string) {
  const el = container.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  const proto =
    el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

describe("secrets in settings", () => {
  it("sends the value once and shows only the name after saving, never the value", async () => {
    const value = "v-3f9a-secret-Qz7";
    fetchMock.mockResolvedValueOnce(json(200, listed([])));
    act(() => root.render(<SecretsSection />));
    await flush();
    type("#secret-name", "API_TOKEN");
    type("#secret-value", value);
    // While it is typed, the value is in the page's markup too: React mirrors a controlled
    // textarea's value into its text. A check of the page right after "save" must wait for the save.
    expect(container.innerHTML).toContain(value);

    fetchMock
      .mockResolvedValueOnce(
        json(200, { name: "API_TOKEN", repositories: null, updated_at: "2026-11-30T20:00:00Z" }),
      )
      .mockResolvedValueOnce(json(200, listed(["API_TOKEN"])));
    await act(async () => {
      container.querySelector<HTMLButtonElement>("button[type=submit]")?.click();
    });
    await flush();
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/secrets/API_TOKEN");
    expect(JSON.parse(String(init.body))).toEqual({ value, repositories: null });
    expect(container.querySelector("[role=status]")?.textContent).toBe("Saved API_TOKEN.");
    expect(container.querySelector("[data-testid=secret-list]")?.textContent).toContain("API_TOKEN");
    expect(container.querySelector<HTMLTextAreaElement>("#secret-value")?.value).toBe("");
    expect(container.innerHTML).not.toContain(value);
  });
});
