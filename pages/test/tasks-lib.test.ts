import { describe, expect, it } from "vitest";
import {
  firstLine,
  formatTokens,
  formatUsd,
  mergeEvents,
  toCreateTaskInput,
  validateTaskForm,
} from "../src/lib/tasks.ts";
import { event } from "./task-helpers.tsx";

describe("task helpers", () => {
  it("merge events once each, in seq order, even when they arrive out of order", () => {
    const known = [event(1, "message"), event(2, "message")];
    expect(mergeEvents(known, [event(2, "message", { text: "replayed" })])).toBe(known);
    const merged = mergeEvents(known, [event(4, "message"), event(3, "message"), event(4, "message")]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(merged[1]?.text).toBe("event 2"); // the first copy wins
  });

  it("title a task by its prompt's first non-empty line, cut", () => {
    expect(firstLine("\n\n  Fix it  \nmore")).toBe("Fix it");
    expect(firstLine("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("show dollars and tokens compactly", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.0123)).toBe("$0.0123");
    expect(formatUsd(1.5)).toBe("$1.50");
    expect(formatTokens(950)).toBe("950");
    expect(formatTokens(1234)).toBe("1.2k");
    expect(formatTokens(2_500_000)).toBe("2.5M");
  });

  it("leave optional fields out of the request, and keep the prompt as typed", () => {
    const form = {
      repo: " acme/api ",
      prompt: "  do it\n",
      baseBranch: "",
      serverType: "cx23",
      maxMinutes: "",
      whenDone: "sleep" as const,
    };
    expect(validateTaskForm(form)).toEqual({});
    expect(toCreateTaskInput(form)).toEqual({
      repo: "acme/api",
      prompt: "  do it\n",
      server_type: "cx23",
      when_done: "sleep",
    });
    expect(validateTaskForm({ ...form, maxMinutes: "1441" }).maxMinutes).toBe(
      "Enter whole minutes between 1 and 1440.",
    );
    expect(validateTaskForm({ ...form, repo: "acme/ api" }).repo).toBe(
      "The repository must not contain spaces.",
    );
  });
});
