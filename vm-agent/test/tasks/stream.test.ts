/**
 * The stream-json parser against lines the real Claude Code 2.1.197 printed (`claude -p
 * --output-format stream-json --verbose`, against local-cloud's Anthropic stand-in; paths rewritten
 * to a devcontainer's).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { outcomeOf } from "../../src/tasks/outcome.ts";
import { type EventDraft, StreamParser } from "../../src/tasks/stream.ts";

const folder = "/workspaces/app";
const fixture = (name: string) => readFileSync(join(import.meta.dir, "fixtures", name), "utf8").split("\n");

function parse(lines: string[]) {
  const parser = new StreamParser(folder);
  const events: EventDraft[] = [];
  let toolsDone = 0;
  for (const line of lines) {
    const r = parser.line(line);
    events.push(...r.events);
    if (r.toolDone) toolsDone++;
  }
  return { parser, events, toolsDone };
}

test("a turn with text, a Write, a refused Edit and the final answer", () => {
  const { parser, events, toolsDone } = parse(fixture("write-edit.jsonl"));
  expect(events).toEqual([
    { kind: "message", text: "I will edit." },
    {
      kind: "tool_call",
      text: "Write b.txt",
      tool: "Write",
      tool_use_id: "toolu_01dWxAY1aqf1nyDS9Jkjxxsd",
      input_summary: "b.txt",
    },
    {
      kind: "tool_result",
      text: expect.stringMatching(/^File created successfully at: \/workspaces\/app\/b\.txt/),
      tool: "Write",
      tool_use_id: "toolu_01dWxAY1aqf1nyDS9Jkjxxsd",
      is_error: false,
    },
    {
      kind: "tool_call",
      text: "Edit a.txt",
      tool: "Edit",
      tool_use_id: "toolu_01F4ig5HPdEor7ip9YmgIEzX",
      input_summary: "a.txt",
    },
    {
      kind: "tool_result",
      text: "File has not been read yet. Read it first before writing to it.",
      tool: "Edit",
      tool_use_id: "toolu_01F4ig5HPdEor7ip9YmgIEzX",
      is_error: true,
    },
    { kind: "message", text: "Done: wrote b.txt and edited a.txt." },
    {
      kind: "usage",
      text: "57195 tokens in, 50 out, $0.2872",
      tokens: { input: 57195, output: 50, cache_read: 0, cache_creation: 0 },
      cost_usd: 0.28722499999999995,
    },
  ]);
  expect(toolsDone).toBe(2);
  expect(parser.sessionId).toBe("8a8341b5-8edf-43ac-b895-8db9580428ab");
  expect(parser.result).toEqual({
    isError: false,
    text: "Done: wrote b.txt and edited a.txt.",
    apiErrorStatus: null,
    tokens: { input: 57195, output: 50, cache_read: 0, cache_creation: 0 },
    costUsd: 0.28722499999999995,
  });
  // Nothing a tool wrote (the Write's file body) is in the timeline.
  expect(JSON.stringify(events)).not.toContain("new file");
});

test("a --continue turn: a Bash call summarised by its command", () => {
  const { events, parser } = parse(fixture("continue-bash.jsonl"));
  expect(events.slice(0, 2)).toEqual([
    {
      kind: "tool_call",
      text: "Bash echo hi > c.txt",
      tool: "Bash",
      tool_use_id: "toolu_01hSqci7yShpS75BVriCWzIo",
      input_summary: "echo hi > c.txt",
    },
    {
      kind: "tool_result",
      text: "(Bash completed with no output)",
      tool: "Bash",
      tool_use_id: "toolu_01hSqci7yShpS75BVriCWzIo",
      is_error: false,
    },
  ]);
  expect(events.at(-1)).toMatchObject({ kind: "usage", cost_usd: 0.192915 });
  // The same conversation as the first turn.
  expect(parser.sessionId).toBe("8a8341b5-8edf-43ac-b895-8db9580428ab");
});

test("an API error: Claude's synthetic message becomes an error event and the result says 529", () => {
  const { events, parser } = parse(fixture("api-error-529.jsonl"));
  expect(events[0]).toEqual({ kind: "error", text: expect.stringMatching(/^API Error: 529 Overloaded/) });
  expect(parser.apiError).toMatch(/^API Error: 529/);
  expect(parser.result).toMatchObject({ isError: true, apiErrorStatus: 529, costUsd: 0 });
  // Nothing was used: no usage line of zeros in the timeline.
  expect(events.map((e) => e.kind)).toEqual(["error"]);
  // The reason names the status once, then Claude's words.
  const run = { code: 1, timedOut: false, aborted: false, apiError: null, sessionId: null, stderrTail: "" };
  expect(outcomeOf({ ...run, result: parser.result }).reason).toStartWith(
    "Claude API error 529: Overloaded. This is a server-side issue",
  );
});

test("long texts are cut, tool inputs are summarised, junk lines are skipped", () => {
  const long = "x".repeat(5000);
  const lines = [
    "not json",
    "{broken",
    "",
    JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: long }] } }),
    JSON.stringify({
      type: "assistant",
      message: {
        content: [
          { type: "thinking", thinking: "hmm" },
          { type: "tool_use", id: "t1", name: "Bash", input: { command: `npm test\n&& ${long}` } },
          { type: "tool_use", id: "t2", name: "Grep", input: { pattern: "flaky", path: `${folder}/ci` } },
          { type: "tool_use", id: "t3", name: "mcp__x__y", input: { query: long, n: 3 } },
        ],
      },
    }),
    JSON.stringify({
      type: "user",
      message: {
        content: [
          {
            type: "tool_result",
            tool_use_id: "t1",
            content: [{ type: "text", text: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10" }],
          },
        ],
      },
    }),
    JSON.stringify({ type: "system", subtype: "api_retry", attempt: 2, error_status: 529 }),
  ];
  const { events } = parse(lines);
  expect(events[0]?.text).toHaveLength(2000);
  expect(events[0]?.text.endsWith("…")).toBe(true);
  expect(events[1]?.input_summary).toHaveLength(500);
  expect(events[1]?.input_summary?.startsWith("npm test && xxx")).toBe(true);
  expect(events[2]).toMatchObject({ tool: "Grep", input_summary: "flaky in ci" });
  expect(events[3]?.input_summary).toBe(`{"query":"${"x".repeat(79)}…","n":3}`);
  expect(events[4]).toMatchObject({ kind: "tool_result", tool: "Bash", text: "1\n2\n3\n4\n5\n6\n7\n8\n…" });
  expect(events[5]).toEqual({ kind: "error", text: "API error 529, retrying (attempt 2)" });
});
