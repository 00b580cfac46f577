import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NewTaskForm } from "../src/views/NewTaskForm.tsx";
import {
  buttonNamed,
  byLabel,
  callsTo,
  errorFor,
  fakeApi,
  json,
  type Rendered,
  render,
  task,
  typeInto,
  waitFor,
} from "./task-helpers.tsx";

let view: Rendered;
const onCreated = vi.fn();

beforeEach(() => {
  onCreated.mockReset();
  view = render(<NewTaskForm onCreated={onCreated} />);
});
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
});

const field = (label: string) => byLabel<HTMLInputElement>(view.container, label);
const submit = () =>
  act(async () => {
    buttonNamed(view.container, "Start task").click();
  });

describe("the new task form", () => {
  it("shows client-side errors next to the fields and sends nothing", async () => {
    const fetchMock = fakeApi({});
    typeInto(field("Max minutes"), "0");
    typeInto(field("Base branch"), "-bad..name");
    await submit();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(errorFor(view.container, field("Repository"))).toBe("Choose a repository.");
    expect(errorFor(view.container, field("What should Claude do?"))).toBe("Say what Claude should do.");
    expect(errorFor(view.container, field("Max minutes"))).toBe("Enter whole minutes between 1 and 1440.");
    expect(errorFor(view.container, field("Base branch"))).toMatch(/Not a valid git branch name/);
    expect(field("Repository").getAttribute("aria-invalid")).toBe("true");
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("sends the task and hands the created one on", async () => {
    const created = task({ id: "t9" });
    const fetchMock = fakeApi({ "POST /api/tasks": () => json(201, created) });
    typeInto(field("Repository"), "https://github.com/acme/api.git");
    typeInto(field("What should Claude do?"), "Fix the flaky test\nin ci.yml");
    typeInto(field("Base branch"), "develop");
    typeInto(field("Max minutes"), "45");
    typeInto(byLabel<HTMLSelectElement>(view.container, "When done"), "delete");
    await submit();
    expect(callsTo(fetchMock, "POST", "/api/tasks").map((c) => c.body)).toEqual([
      {
        repo: "https://github.com/acme/api.git",
        prompt: "Fix the flaky test\nin ci.yml",
        base_branch: "develop",
        server_type: "cx23",
        max_minutes: 45,
        when_done: "delete",
      },
    ]);
    expect(onCreated).toHaveBeenCalledWith(created);
  });

  it("puts the API's 422 details next to the matching fields, and the rest in an alert", async () => {
    fakeApi({
      "POST /api/tasks": () =>
        json(422, {
          error: {
            code: "validation_failed",
            message: "invalid request",
            details: [
              { path: "max_minutes", message: "Too big: expected number to be <=1440" },
              { path: "server_type", message: "server type cx99 does not exist" },
              { path: "(body)", message: "spending limit reached for this month" },
            ],
          },
        }),
    });
    typeInto(field("Repository"), "https://github.com/acme/api.git");
    typeInto(field("What should Claude do?"), "Do it");
    await submit();
    expect(errorFor(view.container, field("Max minutes"))).toBe("Too big: expected number to be <=1440");
    expect(errorFor(view.container, byLabel(view.container, "Size"))).toBe("server type cx99 does not exist");
    expect(view.container.querySelector("[role=alert]")?.textContent).toContain(
      "spending limit reached for this month",
    );
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("shows the install link when the GitHub App is not installed on the repository", async () => {
    const link = "https://github.com/apps/berth/installations/new";
    fakeApi({
      "POST /api/tasks": () =>
        json(422, {
          error: {
            code: "github_app_not_installed",
            message: `the GitHub App is not installed on acme/secret: install it at ${link}`,
            details: [{ path: "repo", message: `install the GitHub App: ${link}` }],
          },
        }),
    });
    typeInto(field("Repository"), "https://github.com/acme/secret.git");
    typeInto(field("What should Claude do?"), "Do it");
    await submit();
    const box = view.container.querySelector("[data-testid=app-not-installed]");
    expect(box?.textContent).toContain("not installed on acme/secret");
    expect(box?.querySelector("a")?.getAttribute("href")).toBe(link);
    expect(errorFor(view.container, field("Repository"))).toBeNull();
  });

  it("fills owner/name from the repository picker", async () => {
    view.unmount();
    const search = vi.fn(async () => ({
      repositories: [
        {
          installation_id: 1,
          full_name: "acme/api",
          private: true,
          default_branch: "main",
          repo_url: "https://github.com/acme/api.git",
        },
      ],
      next_cursor: null,
    }));
    view = render(<NewTaskForm onCreated={onCreated} repositories={search as never} />);
    act(() => field("Repository").focus());
    const choice = await waitFor(() => buttonNamed(view.container, "acme/apiprivate · main"));
    act(() => choice.click());
    expect(field("Repository").value).toBe("acme/api");
  });

  it("shows other API errors (quota, conflicts) as one clear message", async () => {
    fakeApi({
      "POST /api/tasks": () =>
        json(409, { error: { code: "limit_reached", message: "at most 5 live workspaces" } }),
    });
    typeInto(field("Repository"), "https://github.com/acme/api.git");
    typeInto(field("What should Claude do?"), "Do it");
    await submit();
    expect(view.container.querySelector("[role=alert]")?.textContent).toContain("at most 5 live workspaces");
  });
});
