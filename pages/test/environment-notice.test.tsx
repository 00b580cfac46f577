import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WorkspaceDetail } from "../src/api/types.ts";
import { EnvironmentNotice } from "../src/views/EnvironmentNotice.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLElement;
let root: Root;
let fetchMock: ReturnType<typeof vi.fn>;
const onChanged = vi.fn();

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

type Env = WorkspaceDetail["environment"];
const ws = (over: Partial<WorkspaceDetail>, environment: Partial<Env> = {}) =>
  ({
    id: "ws1",
    state: "ready",
    secrets_changed_since_start: false,
    ...over,
    environment: { secrets_generation: 0, applied_generation: 0, restart: "none", ...environment },
  }) as WorkspaceDetail;

function render(detail: WorkspaceDetail) {
  act(() => root.render(<EnvironmentNotice ws={detail} onChanged={onChanged} />));
}

const restartButton = () =>
  [...container.querySelectorAll("button")].find((b) => b.textContent === "Restart environment");

beforeEach(() => {
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
  onChanged.mockReset();
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
});

describe("secrets changed while a workspace runs", () => {
  it("nothing to say when the secrets did not change", () => {
    render(ws({}));
    expect(container.textContent).toBe("");
  });

  it("the notice offers a restart of the environment, which asks the API and reloads the page", async () => {
    render(ws({ secrets_changed_since_start: true }));
    expect(container.textContent).toContain("Secrets changed since this workspace got them");
    expect(container.textContent).toContain("keep the values they started with");
    fetchMock.mockResolvedValueOnce(
      json(202, { secrets_generation: 1, applied_generation: 0, restart: "pending" }),
    );
    await act(async () => restartButton()?.click());
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toContain("/api/workspaces/ws1/environment/restart");
    expect(init.method).toBe("POST");
    expect(onChanged).toHaveBeenCalled();
  });

  it("a refused restart says why and keeps the button", async () => {
    render(ws({ secrets_changed_since_start: true }));
    fetchMock.mockResolvedValueOnce(
      json(409, { error: { code: "conflict", message: "the workspace is stopping" } }),
    );
    await act(async () => restartButton()?.click());
    expect(container.querySelector("[role=alert]")?.textContent).toContain("stopping");
    expect(restartButton()?.disabled).toBe(false);
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("while the agent fetches, then once it applied them, the page says what new terminals get", () => {
    render(ws({ secrets_changed_since_start: true }, { secrets_generation: 1, restart: "pending" }));
    expect(container.textContent).toContain("Restarting the environment");
    expect(restartButton()).toBeUndefined();
    render(ws({}, { secrets_generation: 1, applied_generation: 1, restart: "applied" }));
    expect(container.textContent).toContain("new terminals get the updated secrets");
    expect(container.textContent).toContain("Terminals already open keep");
  });

  it("no restart button unless the workspace is ready; nothing once it ended", () => {
    render(ws({ state: "booting", secrets_changed_since_start: true }));
    expect(container.textContent).toContain("A new workspace gets the new ones");
    expect(restartButton()).toBeUndefined();
    render(ws({ state: "deleted", secrets_changed_since_start: true }));
    expect(container.textContent).toBe("");
  });
});
