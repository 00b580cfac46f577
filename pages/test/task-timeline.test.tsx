import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TaskEvent } from "../src/api/types.ts";
import { TaskTimeline } from "../src/components/TaskTimeline.tsx";
import { TaskView } from "../src/views/TaskView.tsx";
import {
  buttonNamed,
  byLabel,
  callsTo,
  event,
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
});
afterEach(() => {
  view?.unmount();
  view = undefined;
  vi.unstubAllGlobals();
});

const seqs = () =>
  [...(view?.container.querySelectorAll("[data-seq]") ?? [])].map((li) =>
    Number(li.getAttribute("data-seq")),
  );
const row = (seq: number) => view?.container.querySelector(`[data-seq="${seq}"]`) as HTMLElement;

const everyKind: TaskEvent[] = [
  event(1, "turn_started", { text: "Fix the flaky test" }),
  event(2, "message", { text: "I'll look at the workflow first." }),
  event(3, "tool_call", { tool: "Edit", input_summary: ".github/workflows/ci.yml", tool_use_id: "u1" }),
  event(4, "tool_result", { tool: "Edit", tool_use_id: "u1", text: "The file was updated.\nline 2" }),
  event(5, "files_changed", {
    text: "2 files changed",
    files: [
      { path: ".github/workflows/ci.yml", change: "modified" },
      { path: "test/retry.ts", change: "added" },
    ],
  }),
  event(6, "usage", { tokens: { input: 12_345, output: 678 }, cost_usd: 0.0456 }),
  event(7, "error", { text: "git push failed: rejected" }),
  event(8, "turn_finished", { text: "failed: git push failed" }),
];

describe("the task timeline", () => {
  it("renders each kind of event readably", () => {
    view = render(<TaskTimeline events={everyKind} mode="idle" />);
    expect(row(1).textContent).toContain("Started on the prompt");
    expect(row(1).textContent).toContain("Fix the flaky test");
    expect(row(2).querySelector(".task-text")?.textContent).toBe("I'll look at the workflow first.");
    expect(row(3).querySelector(".tool-name")?.textContent).toBe("Edit");
    expect(row(3).querySelector(".tool-input")?.textContent).toBe(".github/workflows/ci.yml");
    const result = row(4).querySelector("details");
    expect(result?.open).toBe(false); // collapsed until tapped
    expect(result?.querySelector("summary")?.textContent).toBe("Result of Edit");
    expect(result?.querySelector("pre")?.textContent).toBe("The file was updated.\nline 2");
    expect([...row(5).querySelectorAll(".task-files li")].map((li) => li.textContent)).toEqual([
      "modified .github/workflows/ci.yml",
      "added test/retry.ts",
    ]);
    expect(row(6).textContent).toContain("12k tokens in, 678 out · $0.0456");
    expect(row(7).querySelector(".error")?.textContent).toBe("git push failed: rejected");
    expect(row(8).textContent).toContain("Turn failed: git push failed");
  });

  it("shows a failed tool result as an error, still collapsed", () => {
    view = render(
      <TaskTimeline events={[event(1, "tool_result", { tool: "Bash", is_error: true })]} mode="stream" />,
    );
    expect(row(1).querySelector("summary")?.textContent).toBe("Error from Bash");
    expect(view.container.querySelector("[data-testid=timeline-mode]")?.textContent).toBe("live");
  });
});

describe("the task page's live timeline", () => {
  it("appends events from the stream, once each, across replays and reconnects", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    fakeApi({ "GET /api/tasks/t1": () => json(200, task()) });
    view = render(<TaskView id="t1" timelinePollMs={10} />);
    await waitFor(() => expect(view?.container.querySelector("[data-testid=task-prompt]")).not.toBeNull());
    const source = FakeEventSource.latest;
    expect(source.url).toBe("/api/tasks/t1/events?cursor=0");
    source.emit("task_event", event(1, "turn_started"));
    source.emit("task_event", event(2, "tool_call", { tool: "Edit", input_summary: "README.md" }));
    expect(seqs()).toEqual([1, 2]);
    expect(row(2).textContent).toContain("Edit README.md");
    // The browser reconnects with Last-Event-ID; a replay of what arrived already changes nothing.
    source.fail(0);
    source.emit("task_event", event(2, "tool_call", { tool: "Edit", input_summary: "README.md" }));
    source.emit("task_event", event(3, "message", { text: "Done." }));
    source.emit("task_event", event(1, "turn_started"));
    expect(seqs()).toEqual([1, 2, 3]);
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it("takes the stream's task updates (status, PR) and, once finished, fetches the tail and stops", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    const fetchMock = fakeApi({
      "GET /api/tasks/t1": () => json(200, task()),
      "GET /api/tasks/t1/events": () =>
        json(200, {
          events: [event(2, "message"), event(3, "turn_finished", { text: "succeeded" })],
          next_cursor: 3,
          done: true,
        }),
    });
    view = render(<TaskView id="t1" timelinePollMs={10} />);
    await waitFor(() => expect(view?.container.querySelector("[data-testid=task-prompt]")).not.toBeNull());
    const source = FakeEventSource.latest;
    source.emit("task_event", event(1, "turn_started"));
    source.emit(
      "task",
      task({ status: "succeeded", pr: { number: 7, url: "https://github.com/acme/api/pull/7" } }),
    );
    expect(view.container.querySelector("[data-status]")?.textContent).toBe("Succeeded");
    expect(view.container.querySelector(".task-pr a")?.getAttribute("href")).toBe(
      "https://github.com/acme/api/pull/7",
    );
    // The server ends a finished task's stream: the page asks once from its cursor, then stops.
    source.fail(0);
    await waitFor(() => expect(seqs()).toEqual([1, 2, 3]));
    expect(
      callsTo(fetchMock, "GET", "/api/tasks/t1/events").map((c) => c.url.searchParams.get("cursor")),
    ).toEqual(["1"]);
    expect(source.readyState).toBe(2);
    await waitFor(() => expect(view?.container.querySelector("[data-testid=timeline-mode]")).toBeNull());
  });

  it("falls back to polling with the cursor when the stream cannot be had, without duplicates", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    const pages = [
      { events: [event(1, "turn_started"), event(2, "message")], next_cursor: 2, done: false },
      // An overlapping page (e.g. a retried request): seq 2 again.
      {
        events: [event(2, "message"), event(3, "tool_call", { tool: "Bash", input_summary: "npm test" })],
        next_cursor: 3,
        done: false,
      },
      { events: [], next_cursor: 3, done: true },
    ];
    const fetchMock = fakeApi({
      "GET /api/tasks/t1": () => json(200, task()),
      "GET /api/tasks/t1/events": () =>
        json(200, pages.shift() ?? { events: [], next_cursor: 3, done: true }),
    });
    view = render(<TaskView id="t1" timelinePollMs={10} />);
    await waitFor(() => expect(view?.container.querySelector("[data-testid=task-prompt]")).not.toBeNull());
    FakeEventSource.latest.fail(2); // e.g. the answer was not an event stream
    await waitFor(() => expect(seqs()).toEqual([1, 2, 3]));
    await waitFor(() => expect(pages).toHaveLength(0));
    const cursors = callsTo(fetchMock, "GET", "/api/tasks/t1/events").map((c) =>
      c.url.searchParams.get("cursor"),
    );
    expect(cursors).toEqual(["0", "2", "3"]);
    expect(row(3).textContent).toContain("Bash npm test");
  });

  it("goes live again from its cursor when a follow-up makes a finished task run again", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    let current = task({ status: "succeeded" });
    fakeApi({
      "GET /api/tasks/t1": () => json(200, current),
      "GET /api/tasks/t1/events": () => json(200, { events: [], next_cursor: 2, done: true }),
      "POST /api/tasks/t1/messages": () => {
        current = task({ status: "running" });
        return json(202, { seq: 1, text: "more", at: "2026-11-30T12:05:00.000Z" });
      },
    });
    view = render(<TaskView id="t1" timelinePollMs={10} />);
    await waitFor(() => expect(view?.container.querySelector("[data-testid=task-prompt]")).not.toBeNull());
    const first = FakeEventSource.latest;
    first.emit("task_event", event(1, "turn_started"));
    first.emit("task_event", event(2, "turn_finished", { text: "succeeded" }));
    first.fail(0); // the finished task's stream ends
    await waitFor(() => expect(view?.container.querySelector("[data-testid=timeline-mode]")).toBeNull());
    typeInto(byLabel<HTMLTextAreaElement>(view.container, "Message to Claude"), "more");
    await act(async () => buttonNamed(view?.container as HTMLElement, "Send").click());
    const second = await waitFor(() => {
      if (FakeEventSource.instances.length !== 2) throw new Error("not reopened yet");
      return FakeEventSource.latest;
    });
    expect(second.url).toBe("/api/tasks/t1/events?cursor=2");
    second.emit("task_event", event(3, "turn_started", { turn: 1, text: "more" }));
    expect(seqs()).toEqual([1, 2, 3]);
    expect(row(3).textContent).toContain("Follow-up #1");
  });

  it("polls when the browser has no EventSource", async () => {
    vi.stubGlobal("EventSource", undefined);
    fakeApi({
      "GET /api/tasks/t1": () => json(200, task({ status: "succeeded" })),
      "GET /api/tasks/t1/events": () =>
        json(200, { events: [event(1, "message", { text: "hi" })], next_cursor: 1, done: true }),
    });
    view = render(<TaskView id="t1" timelinePollMs={10} />);
    await waitFor(() => expect(seqs()).toEqual([1]));
    expect(row(1).textContent).toContain("hi");
  });
});
