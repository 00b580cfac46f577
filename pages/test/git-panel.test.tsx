import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/errors.ts";
import type { WorkspaceDetail, WorkspaceGit } from "../src/api/types.ts";
import { GitPanel } from "../src/views/GitPanel.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const git = (over: Partial<WorkspaceGit> = {}): WorkspaceGit => ({
  branch: "feature/x",
  ahead: 2,
  pushed: true,
  reported_at: "2026-11-30T12:00:00.000Z",
  access_revoked: false,
  pull_request: null,
  ...over,
});

function render(g: WorkspaceGit, open = vi.fn(), repository: string | null = "acme/api") {
  const ws = { id: "w1", github_repository: repository, git: g } as unknown as WorkspaceDetail;
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(<GitPanel ws={ws} openPullRequest={open} />));
  return container;
}

const buttonNamed = (el: HTMLElement, name: string) =>
  [...el.querySelectorAll("button")].find((b) => b.textContent === name);

describe("the workspace page's git panel", () => {
  it("is absent for a public clone", () => {
    expect(render(git(), vi.fn(), null).textContent).toBe("");
  });

  it("offers Open pull request when pushed commits are ahead, and opens it with title and body", async () => {
    const open = vi.fn().mockResolvedValue({ url: "https://github.com/acme/api/pull/9", number: 9 });
    const el = render(git(), open);
    expect(el.querySelector("[data-testid=git-status]")?.textContent).toBe(
      "2 commits ahead of the default branch, pushed",
    );
    act(() => buttonNamed(el, "Open pull request")?.click());
    const title = el.querySelector<HTMLInputElement>("#pr-title") as HTMLInputElement;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
    act(() => {
      setter?.call(title, "Add login");
      title.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => {
      buttonNamed(el, "Create pull request")?.click();
    });
    expect(open).toHaveBeenCalledWith("w1", { title: "Add login" });
    expect(el.querySelector("[data-testid=pull-request-link]")?.getAttribute("href")).toBe(
      "https://github.com/acme/api/pull/9",
    );
    // Opened for this branch: no second one is offered.
    expect(buttonNamed(el, "Open pull request")).toBeUndefined();
  });

  it("offers a new pull request on another branch than the last one's", () => {
    const last = { url: "https://github.com/acme/api/pull/3", number: 3, branch: "older" };
    expect(buttonNamed(render(git({ pull_request: last })), "Open pull request")).toBeDefined();
    const same = { ...last, branch: "feature/x" };
    expect(buttonNamed(render(git({ pull_request: same })), "Open pull request")).toBeUndefined();
  });

  it("says push first when the commits are not on GitHub, and offers no button", () => {
    const el = render(git({ pushed: false }));
    expect(el.querySelector("[data-testid=push-first]")?.textContent).toContain("Push first");
    expect(el.textContent).toContain("git push -u origin feature/x");
    expect(buttonNamed(el, "Open pull request")).toBeUndefined();
  });

  it("offers nothing when nothing is ahead", () => {
    const el = render(git({ ahead: 0 }));
    expect(buttonNamed(el, "Open pull request")).toBeUndefined();
    expect(el.querySelector("[data-testid=push-first]")).toBeNull();
  });

  it("shows the API's error, e.g. nothing to compare", async () => {
    const open = vi
      .fn()
      .mockRejectedValue(new ApiError(422, "validation_failed", "nothing to compare: feature/x"));
    const el = render(git(), open);
    act(() => buttonNamed(el, "Open pull request")?.click());
    await act(async () => {
      buttonNamed(el, "Create pull request")?.click();
    });
    expect(el.textContent).toContain("nothing to compare: feature/x");
  });

  it("shows a revoked installation", () => {
    const el = render(git({ access_revoked: true }));
    const alert = el.querySelector("[data-testid=github-revoked]");
    expect(alert?.getAttribute("role")).toBe("alert");
    expect(alert?.textContent).toContain("no longer has access to acme/api");
  });
});
