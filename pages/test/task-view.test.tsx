import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Task } from "../src/api/types.ts";
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
beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => {
  view?.unmount();
  view = undefined;
  vi.unstubAllGlobals();
});

async function open(current: () => Task, routes: Parameters<typeof fakeApi>[0] = {}) {
  const fetchMock = fakeApi({ "GET /api/tasks/t1": () => json(200, current()), ...routes });
  view = render(<TaskView id="t1" />);
  await waitFor(() => expect(view?.container.querySelector("[data-testid=task-prompt]")).not.toBeNull());
  return { fetchMock, el: view.container };
}

describe("the task page", () => {
  it("shows the prompt, status, failure reason, PR, cost so far and the way to the terminal", async () => {
    const failed = task({
      status: "failed",
      reason: "max_minutes reached",
      pr: { number: 4, url: "https://github.com/acme/api/pull/4" },
      vm_cost_eur: 0.0031,
      claude_cost_usd: 0.42,
      tokens: { input: 12_000, output: 800 },
    });
    const { el } = await open(() => failed);
    expect(el.querySelector("h1")?.textContent).toBe("Fix the flaky test in ci.yml");
    expect(el.querySelector("[data-testid=task-prompt]")?.textContent).toBe(failed.prompt);
    expect(el.querySelector("[data-status]")?.textContent).toBe("Failed");
    expect(el.querySelector("[data-testid=task-reason]")?.textContent).toBe("max_minutes reached");
    expect(el.querySelector(".task-pr a")?.textContent).toBe("Pull request #4");
    expect(el.querySelector("[data-testid=task-cost]")?.textContent).toBe(
      "Cost so far: €0.0031 VM + $0.42 Claude · 12k tokens in, 800 out",
    );
    const terminal = [...el.querySelectorAll("a")].find((a) => a.textContent === "Open in terminal");
    expect(terminal?.getAttribute("href")).toBe("#/w/w1");
  });

  it("says why no pull request was opened after a successful turn, without alarm", async () => {
    const { el } = await open(() =>
      task({ status: "succeeded", reason: "no commits: nothing to open a pull request for" }),
    );
    const reason = el.querySelector("[data-testid=task-reason]");
    expect(reason?.textContent).toBe("no commits: nothing to open a pull request for");
    expect(reason?.getAttribute("role")).toBeNull();
    expect(el.querySelector(".task-pr")).toBeNull();
  });

  it("says so when the task is not the person's", async () => {
    fakeApi({
      "GET /api/tasks/t1": () => json(404, { error: { code: "not_found", message: "no such task" } }),
    });
    view = render(<TaskView id="t1" />);
    await waitFor(() => expect(view?.container.querySelector("h1")?.textContent).toBe("Task not found"));
  });

  it("sends a follow-up and shows it as waiting until it ran", async () => {
    let current = task({ status: "succeeded", workspace_state: "asleep" });
    const { fetchMock, el } = await open(() => current, {
      "POST /api/tasks/t1/messages": () => {
        current = {
          ...current,
          status: "running",
          messages: [
            { seq: 1, text: "Also update the docs", at: "2026-11-30T12:05:00.000Z", state: "pending" },
          ],
        };
        return json(202, { seq: 1, text: "Also update the docs", at: "2026-11-30T12:05:00.000Z" });
      },
    });
    expect(el.querySelector("#follow-up-hint")?.textContent).toContain("the workspace is woken for it");
    await act(async () => buttonNamed(el, "Send").click());
    expect(el.querySelector("#follow-up-error")?.textContent).toBe("Write the follow-up first.");
    expect(callsTo(fetchMock, "POST", "/api/tasks/t1/messages")).toHaveLength(0);

    typeInto(byLabel<HTMLTextAreaElement>(el, "Message to Claude"), "Also update the docs");
    await act(async () => buttonNamed(el, "Send").click());
    expect(callsTo(fetchMock, "POST", "/api/tasks/t1/messages").map((c) => c.body)).toEqual([
      { text: "Also update the docs" },
    ]);
    const waiting = await waitFor(() => {
      const items = [...el.querySelectorAll("[aria-label='Follow-ups not done yet'] li")];
      if (items.length === 0) throw new Error("not shown yet");
      return items;
    });
    expect(waiting).toHaveLength(1); // the sent one and the task's own copy are one message
    expect(waiting[0]?.textContent).toContain("waiting");
    expect(waiting[0]?.textContent).toContain("Also update the docs");
    expect(byLabel<HTMLTextAreaElement>(el, "Message to Claude").value).toBe("");
    await waitFor(() => expect(el.querySelector("[data-status]")?.textContent).toBe("Running"));
  });

  it("explains a 409 when the workspace cannot take follow-ups", async () => {
    const { el } = await open(() => task({ status: "succeeded" }), {
      "POST /api/tasks/t1/messages": () =>
        json(409, { error: { code: "conflict", message: "The workspace was deleted." } }),
    });
    typeInto(byLabel<HTMLTextAreaElement>(el, "Message to Claude"), "more");
    await act(async () => buttonNamed(el, "Send").click());
    expect(el.querySelector("#follow-up-error")?.textContent).toBe("The workspace was deleted.");
  });

  it("cancels a running task after a confirmation that says what happens", async () => {
    let current = task();
    const { fetchMock, el } = await open(() => current, {
      "POST /api/tasks/t1/cancel": () => {
        current = task({ status: "canceled", workspace_state: "sleeping" });
        return json(202, current);
      },
    });
    act(() => buttonNamed(el, "Cancel task").click());
    const dialog = document.querySelector("dialog");
    expect(dialog?.querySelector("[data-testid=cancel-loses]")?.textContent).toContain("goes to sleep");
    expect(callsTo(fetchMock, "POST", "/api/tasks/t1/cancel")).toHaveLength(0);
    await act(async () => buttonNamed(dialog as HTMLElement, "Cancel task").click());
    expect(callsTo(fetchMock, "POST", "/api/tasks/t1/cancel")).toHaveLength(1);
    await waitFor(() => expect(el.querySelector("[data-status]")?.textContent).toBe("Canceled"));
    expect([...el.querySelectorAll("button")].some((b) => b.textContent === "Cancel task")).toBe(false);
  });

  it("deletes after a confirmation naming what is lost and what stays on GitHub", async () => {
    window.location.hash = "#/t/t1";
    const current = task({ status: "succeeded", pushed: true, commits: 2 });
    const { fetchMock, el } = await open(() => current, {
      "DELETE /api/tasks/t1": () => json(202, { ...current, workspace_state: "stopping" }),
    });
    act(() => buttonNamed(el, "Delete").click());
    const dialog = document.querySelector("dialog") as HTMLElement;
    const loses = dialog.querySelector("[data-testid=delete-loses]")?.textContent ?? "";
    expect(loses).toContain("The task leaves your list. Its workspace, its snapshot and any work not pushed");
    expect(loses).toContain("The pushed branch berth/t1 stays on GitHub.");
    act(() => buttonNamed(dialog, "Cancel").click());
    expect(document.querySelector("dialog")).toBeNull();
    expect(callsTo(fetchMock, "DELETE", "/api/tasks/t1")).toHaveLength(0);

    act(() => buttonNamed(el, "Delete").click());
    await act(async () => buttonNamed(document.querySelector("dialog") as HTMLElement, "Delete").click());
    expect(callsTo(fetchMock, "DELETE", "/api/tasks/t1")).toHaveLength(1);
    // The task is gone from the API: back to the list.
    await waitFor(() => expect(window.location.hash).toBe("#/tasks"));
  });
});
