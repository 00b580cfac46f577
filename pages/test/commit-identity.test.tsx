import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CommitIdentitySection } from "../src/views/CommitIdentitySection.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const noreply = "42+alice@users.noreply.github.com";
const me = (chosen: string | null) => ({
  name: "Alice",
  email: chosen ?? noreply,
  noreply_email: noreply,
  chosen_email: chosen,
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

describe("commit identity in settings", () => {
  it("shows the noreply address, and a refused email next to the field", async () => {
    fetchMock.mockResolvedValueOnce(json(200, me(null)));
    act(() => root.render(<CommitIdentitySection />));
    await flush();
    expect(container.querySelector("[data-testid=commit-email]")?.textContent).toBe(noreply);
    expect(container.textContent).toContain("your GitHub noreply address");

    fetchMock.mockResolvedValueOnce(
      json(422, {
        error: {
          code: "validation_failed",
          message: "email must be one of your verified emails",
          details: [{ path: "email", message: "must be one of your verified emails on GitHub" }],
        },
      }),
    );
    const input = container.querySelector<HTMLInputElement>("#commit-email") as HTMLInputElement;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
    act(() => {
      setter?.call(input, "nope@example.com");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => {
      container.querySelector<HTMLButtonElement>("button[type=submit]")?.click();
    });
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/me/git-identity");
    expect(JSON.parse(String(init.body))).toEqual({ email: "nope@example.com" });
    expect(container.querySelector(".field-error")?.textContent).toBe(
      "must be one of your verified emails on GitHub",
    );
  });
});
