import { act, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { vi } from "vitest";
import type { Task, TaskEvent } from "../src/api/types.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export const task = (over: Partial<Task> = {}): Task => ({
  id: "t1",
  kind: "task",
  workspace_id: "w1",
  repo: "https://github.com/acme/api.git",
  prompt: "Fix the flaky test in ci.yml\n\nIt fails one run in ten.",
  base_branch: null,
  branch: "berth/t1",
  status: "running",
  reason: null,
  turns: 0,
  messages: [],
  pr: null,
  commits: 0,
  head_sha: null,
  pushed: false,
  summary: "",
  tokens: { input: 1200, output: 340 },
  claude_cost_usd: 0.0123,
  vm_cost_eur: 0.0021,
  max_minutes: 30,
  permission_mode: "acceptEdits",
  when_done: "sleep",
  workspace_state: "ready",
  created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
  started_at: null,
  finished_at: null,
  ...over,
});

export const event = (seq: number, kind: TaskEvent["kind"], over: Partial<TaskEvent> = {}): TaskEvent => ({
  seq,
  at: "2026-11-30T12:00:00.000Z",
  turn: 0,
  kind,
  text: `event ${seq}`,
  ...over,
});

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** A fetch stand-in answering "METHOD /path" (query ignored for matching); anything else is a 404. */
export function fakeApi(routes: Record<string, Handler>) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://berth.test");
    const handler = routes[`${init.method ?? "GET"} ${url.pathname}`];
    if (!handler) return json(404, { error: { code: "not_found", message: `no ${url.pathname}` } });
    return handler(url, init);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Calls to one route, with their URL and parsed body. */
export function callsTo(fetchMock: ReturnType<typeof fakeApi>, method: string, path: string) {
  return fetchMock.mock.calls
    .map(([input, init]) => ({ url: new URL(String(input), "http://berth.test"), init: init ?? {} }))
    .filter(({ url, init }) => (init.method ?? "GET") === method && url.pathname === path)
    .map(({ url, init }) => ({ url, body: init.body ? JSON.parse(String(init.body)) : undefined }));
}

/**
 * EventSource as the browser has it, driven by the test: `emit` delivers a named event, `fail`
 * an error (with the readyState the browser would then have).
 */
export class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeEventSource.instances.push(this);
  }
  emit(type: string, data: unknown) {
    act(() => {
      this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data) }));
    });
  }
  fail(readyState: 0 | 2) {
    act(() => {
      this.readyState = readyState;
      this.dispatchEvent(new Event("error"));
    });
  }
  close() {
    this.readyState = 2;
  }
  static get latest(): FakeEventSource {
    const last = FakeEventSource.instances.at(-1);
    if (!last) throw new Error("no EventSource was opened");
    return last;
  }
}

export interface Rendered {
  container: HTMLElement;
  root: Root;
  unmount: () => void;
}

export function render(node: ReactNode): Rendered {
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(node));
  return {
    container,
    root,
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Retries `check` while React settles, until it passes (or the test's own timeout ends it). */
export async function waitFor<T>(check: () => T): Promise<T> {
  for (;;) {
    try {
      return check();
    } catch {
      await act(async () => {
        await new Promise((r) => setTimeout(r, 5));
      });
    }
  }
}

export function typeInto(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string) {
  const proto = Object.getPrototypeOf(control) as object;
  const setter = Object.getOwnPropertyDescriptor(proto, "value")?.set;
  act(() => {
    setter?.call(control, value);
    control.dispatchEvent(
      new Event(control instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }),
    );
  });
}

/** The control labelled exactly `label`. */
export function byLabel<T extends HTMLElement = HTMLInputElement>(root: ParentNode, label: string): T {
  const el = [...root.querySelectorAll("label")].find((l) => l.textContent === label);
  const control = el ? root.querySelector<T>(`#${el.htmlFor}`) : null;
  if (!control) throw new Error(`no control labelled ${label}`);
  return control;
}

export function buttonNamed(root: ParentNode, name: string): HTMLButtonElement {
  const b = [...root.querySelectorAll("button")].find((x) => x.textContent === name);
  if (!b) throw new Error(`no button ${name}`);
  return b;
}

/** The error text tied to a control through aria-describedby. */
export function errorFor(root: ParentNode, control: HTMLElement): string | null {
  const ids = control.getAttribute("aria-describedby")?.split(" ") ?? [];
  const err = ids
    .map((id) => root.querySelector(`#${id}`))
    .find((el) => el?.classList.contains("field-error"));
  return err?.textContent ?? null;
}
