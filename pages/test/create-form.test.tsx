import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CreateWorkspaceForm } from "../src/views/CreateWorkspaceForm.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLElement;
let root: Root;
let fetchMock: ReturnType<typeof vi.fn>;
const onCreated = vi.fn();

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

beforeEach(() => {
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
  onCreated.mockReset();
  act(() => root.render(<CreateWorkspaceForm onCreated={onCreated} />));
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
});

/** The control labelled exactly `label`, the way a screen reader (or Playwright) finds it. */
function byLabel(label: string): HTMLInputElement {
  const el = [...container.querySelectorAll("label")].find((l) => l.textContent === label);
  const control = el ? container.querySelector<HTMLInputElement>(`#${el.htmlFor}`) : null;
  if (!control) throw new Error(`no control labelled ${label}`);
  return control;
}

function type(input: HTMLInputElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  act(() => {
    setter?.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

function button(name: string): HTMLButtonElement {
  const b = [...container.querySelectorAll("button")].find((x) => x.textContent === name);
  if (!b) throw new Error(`no button ${name}`);
  return b;
}

/** The error text tied to a control through aria-describedby. */
function errorFor(input: HTMLElement): string | null {
  const ids = input.getAttribute("aria-describedby")?.split(" ") ?? [];
  const err = ids
    .map((id) => container.querySelector(`#${id}`))
    .find((el) => el?.className === "field-error");
  return err?.textContent ?? null;
}

async function submit() {
  await act(async () => {
    button("Create workspace").click();
  });
}

describe("create workspace form", () => {
  it("shows client-side errors next to the fields and sends nothing", async () => {
    type(byLabel("Repository URL"), "https://user:pw@github.com/o/r.git");
    type(byLabel("Idle timeout (minutes)"), "2");
    await submit();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(byLabel("Repository URL").getAttribute("aria-invalid")).toBe("true");
    expect(errorFor(byLabel("Repository URL"))).toMatch(/credentials/);
    expect(errorFor(byLabel("Idle timeout (minutes)"))).toBe("Enter whole minutes between 5 and 1440.");
    expect(errorFor(byLabel("Branch"))).toBeNull();
  });

  it("puts the server's 422 details next to the matching fields", async () => {
    fetchMock.mockResolvedValue(
      json(422, {
        error: {
          code: "validation_failed",
          message: "server_type: unknown",
          details: [
            { path: "server_type", message: "server type cx99 does not exist" },
            { path: "(body)", message: "something general" },
          ],
        },
      }),
    );
    type(byLabel("Repository URL"), "https://github.com/o/r.git");
    await submit();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(errorFor(byLabel("Size"))).toBe("server type cx99 does not exist");
    expect(container.querySelector("[role=alert]")?.textContent).toContain("something general");
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("says clearly when the workspace limit is reached", async () => {
    fetchMock.mockResolvedValue(
      json(409, { error: { code: "limit_reached", message: "at most 5 live workspaces" } }),
    );
    type(byLabel("Repository URL"), "https://github.com/o/r.git");
    await submit();
    const alert = container.querySelector("[role=alert]")?.textContent ?? "";
    expect(alert).toContain("Workspace limit reached");
    expect(alert).toContain("at most 5 live workspaces");
  });

  it("retries with the same Idempotency-Key, and a changed form gets a new one", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    fetchMock.mockResolvedValueOnce(json(201, { id: "w1", name: "r" }));
    type(byLabel("Repository URL"), "https://github.com/o/r.git");
    await submit();
    expect(container.textContent).toMatch(/could not reach berth/i);
    await submit();
    const keys = fetchMock.mock.calls.map(
      ([, init]) => (init as RequestInit & { headers: Record<string, string> }).headers["idempotency-key"],
    );
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(onCreated).toHaveBeenCalledWith({ id: "w1", name: "r" });

    fetchMock.mockResolvedValueOnce(json(201, { id: "w2", name: "s" }));
    type(byLabel("Repository URL"), "https://github.com/o/s.git");
    await submit();
    const thirdInit = fetchMock.mock.calls[2]?.[1] as
      | (RequestInit & { headers: Record<string, string> })
      | undefined;
    const third = thirdInit?.headers["idempotency-key"];
    expect(third).not.toBe(keys[0]);
    const body = JSON.parse(String(thirdInit?.body));
    expect(body).toEqual({ repo_url: "https://github.com/o/s.git", server_type: "cx23", location: "fsn1" });
  });

  it("shows the install link when the GitHub App is not installed on the repository", async () => {
    const link = "https://github.com/apps/berth/installations/new";
    fetchMock.mockResolvedValue(
      json(422, {
        error: {
          code: "github_app_not_installed",
          message: `the GitHub App berth is not installed on acme/secret: install it at ${link} (and give it acme/secret), then create the workspace again`,
          details: [{ path: "repo_url", message: `install the GitHub App: ${link}` }],
        },
      }),
    );
    type(byLabel("Repository URL"), "https://github.com/acme/secret.git");
    await submit();
    const box = container.querySelector("[data-testid=app-not-installed]");
    expect(box?.getAttribute("role")).toBe("alert");
    expect(box?.textContent).toContain("not installed on acme/secret");
    const anchor = box?.querySelector("a");
    expect(anchor?.textContent).toBe("Install the GitHub App");
    expect(anchor?.getAttribute("href")).toBe(link);
    // Not a field error: the URL is fine, the App is missing.
    expect(errorFor(byLabel("Repository URL"))).toBeNull();
    expect(onCreated).not.toHaveBeenCalled();
  });
});
