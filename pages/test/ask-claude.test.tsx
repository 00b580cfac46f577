import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AskClaudePanel } from "../src/views/AskClaudePanel.tsx";
import { TaskView } from "../src/views/TaskView.tsx";
import {
  buttonNamed,
  byLabel,
  callsTo,
  FakeEventSource,
  fakeApi,
  json,
  type Rendered,
  render,
  task,
  typeInto,
  waitFor,
} from "./task-helpers.tsx";

let view: Rendered | undefined;
afterEach(() => {
  view?.unmount();
  view = undefined;
  vi.unstubAllGlobals();
});

const prompt = task({ id: "tp1", kind: "prompt", branch: "feature/login", status: "starting" });

describe("Ask Claude (headless) on the workspace page", () => {
  it("posts the prompt and links to its task page", async () => {
    const fetchMock = fakeApi({ "POST /api/workspaces/w1/prompts": () => json(202, prompt) });
    view = render(<AskClaudePanel workspaceId="w1" />);
    const el = view.container;
    // Nothing written: said, nothing sent.
    await act(async () => buttonNamed(el, "Ask").click());
    expect(el.querySelector("[role=alert]")?.textContent).toBe("Write the prompt first.");
    expect(callsTo(fetchMock, "POST", "/api/workspaces/w1/prompts")).toEqual([]);

    typeInto(byLabel<HTMLTextAreaElement>(el, "Prompt"), "Rename the helper");
    await act(async () => buttonNamed(el, "Ask").click());
    const link = await waitFor(() => {
      const a = el.querySelector<HTMLAnchorElement>("[role=status] a");
      expect(a).not.toBeNull();
      return a as HTMLAnchorElement;
    });
    expect(link.getAttribute("href")).toBe("#/t/tp1");
    expect(callsTo(fetchMock, "POST", "/api/workspaces/w1/prompts").map((c) => c.body)).toEqual([
      { text: "Rename the helper" },
    ]);
    expect(byLabel<HTMLTextAreaElement>(el, "Prompt").value).toBe("");
  });

  it("shows the API's reason when another prompt still runs", async () => {
    fakeApi({
      "POST /api/workspaces/w1/prompts": () =>
        json(409, { error: { code: "conflict", message: "prompt tp1 is still running in this workspace" } }),
    });
    view = render(<AskClaudePanel workspaceId="w1" />);
    const el = view.container;
    typeInto(byLabel<HTMLTextAreaElement>(el, "Prompt"), "Another one");
    await act(async () => buttonNamed(el, "Ask").click());
    await waitFor(() =>
      expect(el.querySelector("[role=alert]")?.textContent).toContain("prompt tp1 is still running"),
    );
    expect(el.querySelector("[role=status]")).toBeNull();
  });

  it("its task page offers no follow-up, but the way back to the workspace", async () => {
    FakeEventSource.instances = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    fakeApi({ "GET /api/tasks/tp1": () => json(200, prompt) });
    view = render(<TaskView id="tp1" />);
    const el = view.container;
    const note = await waitFor(() => {
      const n = el.querySelector("[data-testid=prompt-no-follow-up]");
      expect(n).not.toBeNull();
      return n as HTMLElement;
    });
    expect(note.querySelector("a")?.getAttribute("href")).toBe("#/w/w1");
    expect(el.querySelector("#follow-up")).toBeNull();
  });
});
