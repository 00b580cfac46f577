import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/errors.ts";
import type { Repository, RepositoryPage } from "../src/api/types.ts";
import { CreateWorkspaceForm } from "../src/views/CreateWorkspaceForm.tsx";
import { looksLikeUrl, type RepositorySearch } from "../src/views/RepositoryPicker.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const repo = (name: string, extra: Partial<Repository> = {}): Repository => ({
  full_name: `acme/${name}`,
  owner: "acme",
  name,
  private: true,
  default_branch: "main",
  repo_url: `https://github.com/acme/${name}.git`,
  installation_id: 7,
  ...extra,
});

let container: HTMLElement;
let root: Root;
let search: ReturnType<typeof vi.fn<RepositorySearch>>;
let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  vi.useFakeTimers();
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
  search = vi.fn<RepositorySearch>();
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
  act(() => root.render(<CreateWorkspaceForm onCreated={() => {}} repositories={search} />));
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const field = () => container.querySelector<HTMLInputElement>("#repo-url") as HTMLInputElement;

function type(value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  act(() => {
    setter?.call(field(), value);
    field().dispatchEvent(new Event("input", { bubbles: true }));
  });
}

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(300);
  });
}

const focus = () => act(() => field().focus());
const choices = () => [...container.querySelectorAll(".repo-list button")].map((b) => b.textContent);

describe("the repository picker in the create form", () => {
  it("asks nothing until the field is used, then lists the person's repositories", async () => {
    search.mockResolvedValue({
      repositories: [repo("api"), repo("web", { private: false })],
      next_cursor: null,
    });
    await settle();
    expect(search).not.toHaveBeenCalled();
    focus();
    await settle();
    expect(search).toHaveBeenCalledTimes(1);
    expect(choices()).toEqual(["acme/apiprivate · main", "acme/web · main"]);
    // The field keeps its accessible role and name (the e2e types into it by label).
    expect(field().getAttribute("role")).toBeNull();
  });

  it("searches by what is typed, and a choice fills the field with the repo URL", async () => {
    search.mockResolvedValue({ repositories: [repo("api")], next_cursor: null });
    focus();
    type("ap");
    await settle();
    expect(search).toHaveBeenLastCalledWith({ q: "ap" }, expect.any(AbortSignal));
    const button = container.querySelector<HTMLButtonElement>(".repo-list button");
    act(() => button?.click());
    expect(field().value).toBe("https://github.com/acme/api.git");
  });

  it("does not search for a pasted URL: any https git URL is taken as it is", async () => {
    search.mockResolvedValue({ repositories: [], next_cursor: null });
    focus();
    await settle();
    search.mockClear();
    type("https://gitlab.com/someone/thing.git");
    await settle();
    expect(search).not.toHaveBeenCalled();
    expect(container.querySelector("[data-testid=repo-picker]")).toBeNull();
    expect(looksLikeUrl("git@github.com:o/r.git")).toBe(true);
    expect(looksLikeUrl("my-repo")).toBe(false);
  });

  it("loads more pages with the cursor", async () => {
    const first: RepositoryPage = { repositories: [repo("a")], next_cursor: "c1" };
    search
      .mockResolvedValueOnce(first)
      .mockResolvedValueOnce({ repositories: [repo("b")], next_cursor: null });
    focus();
    await settle();
    const more = [...container.querySelectorAll("button")].find((b) => b.textContent === "More repositories");
    await act(async () => {
      more?.click();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(search).toHaveBeenLastCalledWith({ cursor: "c1" });
    expect(choices()).toEqual(["acme/aprivate · main", "acme/bprivate · main"]);
  });

  it("says why when the list cannot be had, and the field still works", async () => {
    search.mockRejectedValue(new ApiError(403, "forbidden", "sign out and sign in with GitHub again"));
    focus();
    await settle();
    expect(container.textContent).toContain("could not be listed (sign out and sign in with GitHub again)");
    expect(container.textContent).toContain("Any https git URL still works");
  });
});
