import { afterEach, describe, expect, it, vi } from "vitest";
import { TaskList } from "../src/views/TaskList.tsx";
import { WorkspaceList } from "../src/views/WorkspaceList.tsx";
import { fakeApi, json, type Rendered, render, task, waitFor } from "./task-helpers.tsx";

let view: Rendered | undefined;
afterEach(() => {
  view?.unmount();
  vi.unstubAllGlobals();
});

describe("the task list", () => {
  it("shows each task's status, repository, prompt's first line, PR link, cost and age", async () => {
    fakeApi({
      "GET /api/tasks": () =>
        json(200, {
          tasks: [
            task({
              id: "t2",
              status: "succeeded",
              pr: { number: 12, url: "https://github.com/acme/api/pull/12" },
              vm_cost_eur: 0.0042,
              claude_cost_usd: 0.31,
            }),
            task({
              id: "t1",
              status: "failed",
              prompt: "\n  Add a README  \nwith a logo",
              repo: "https://github.com/acme/web",
            }),
          ],
          next_cursor: null,
        }),
    });
    view = render(<TaskList />);
    const items = await waitFor(() => {
      const found = view?.container.querySelectorAll("[data-task-id]") ?? [];
      if (found.length !== 2) throw new Error("not yet");
      return [...found];
    });
    const [first, second] = items as [HTMLElement, HTMLElement];
    expect(first.querySelector("[data-status]")?.textContent).toBe("Succeeded");
    expect(first.querySelector(".task-item-title")?.textContent).toBe("Fix the flaky test in ci.yml");
    expect(first.querySelector(".task-item-repo")?.textContent).toBe("acme/api");
    expect(first.querySelector("a.task-item-link")?.getAttribute("href")).toBe("#/t/t2");
    const pr = first.querySelector<HTMLAnchorElement>("a.task-pr-link");
    expect(pr?.textContent).toBe("PR #12");
    expect(pr?.getAttribute("href")).toBe("https://github.com/acme/api/pull/12");
    expect(first.textContent).toContain("€0.0042 + $0.31");
    expect(first.textContent).toContain("5 min ago");
    expect(second.querySelector("[data-status]")?.textContent).toBe("Failed");
    expect(second.querySelector(".task-item-title")?.textContent).toBe("Add a README");
    expect(second.querySelector(".task-item-repo")?.textContent).toBe("acme/web");
    expect(second.querySelector("a.task-pr-link")).toBeNull();
  });

  it("says how to start when there is no task", async () => {
    fakeApi({ "GET /api/tasks": () => json(200, { tasks: [], next_cursor: null }) });
    view = render(<TaskList />);
    await waitFor(() => expect(view?.container.textContent).toContain("No tasks yet."));
  });

  it("shows the API's error with a retry", async () => {
    fakeApi({ "GET /api/tasks": () => json(500, { error: { code: "internal_error", message: "boom" } }) });
    view = render(<TaskList />);
    const alert = await waitFor(() => {
      const el = view?.container.querySelector("[role=alert]");
      if (!el) throw new Error("no alert yet");
      return el;
    });
    expect(alert.textContent).toContain("boom");
    expect(alert.querySelector("button")?.textContent).toBe("Try again");
  });

  it("marks a task's workspace in the workspace list", async () => {
    const ws = (id: string, mode: "task" | "interactive") => ({
      id,
      name: id,
      mode,
      state: "ready",
      hostname: `${id}.example`,
      repo_url: "https://github.com/acme/api.git",
      branch: null,
      server_type: "cx23",
      location: "fsn1",
      cost: { total_eur: 0, hourly_eur: 0.006 },
      created_at: new Date().toISOString(),
      sleep: null,
      state_reason: null,
    });
    fakeApi({
      "GET /api/workspaces": () =>
        json(200, { workspaces: [ws("w1", "task"), ws("w2", "interactive")], next_cursor: null }),
    });
    view = render(<WorkspaceList />);
    const items = await waitFor(() => {
      const found = [...(view?.container.querySelectorAll("[data-workspace-id]") ?? [])];
      if (found.length !== 2) throw new Error("not yet");
      return found;
    });
    expect(items[0]?.querySelector(".ws-item-head")?.textContent).toContain("task");
    expect(items[1]?.querySelector(".ws-item-head")?.textContent).not.toContain("task");
  });
});
