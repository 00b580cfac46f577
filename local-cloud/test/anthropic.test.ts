import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicControl } from "../src/client.ts";
import type { LocalCloud } from "../src/index.ts";
import { startEphemeral } from "./helpers.ts";

const KEY = "sk-ant-test-wire-0123456789-abcd";
let cloud: LocalCloud;
let ctl: ReturnType<typeof anthropicControl>;

beforeAll(async () => {
  cloud = await startEphemeral({ anthropicRateLimit: { limit: 1000 } });
  ctl = anthropicControl(cloud.urls.anthropic);
});
afterAll(() => cloud.stop());
beforeEach(() => ctl.reset());

const BASH = { name: "Bash", description: "Run a command", input_schema: { type: "object" } };

function body(extra: Record<string, unknown> = {}) {
  return {
    model: "claude-sonnet-4-5-20250929",
    max_tokens: 1024,
    tools: [BASH],
    messages: [{ role: "user", content: "list the files" }],
    ...extra,
  };
}

function post(
  payload: unknown,
  headers: Record<string, string> = { "x-api-key": KEY },
  path = "/v1/messages",
) {
  return fetch(`${cloud.urls.anthropic}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: SSE payloads are loosely typed JSON
  data: any;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const lines = chunk.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = JSON.parse(lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null");
      return { event, data };
    });
}

describe("anthropic messages stand-in: streaming", () => {
  it("streams a scripted tool call as the real API does, partial JSON in several chunks", async () => {
    const input = { command: "ls -la /tmp && echo done", description: "List files in /tmp" };
    await ctl.script([{ text: "Let me look.", tool: "Bash", input }]);
    const res = await post(body({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("request-id")).toMatch(/^req_01[0-9A-Za-z]{22}$/);
    expect(Number(res.headers.get("anthropic-ratelimit-requests-limit"))).toBe(1000);
    expect(Number(res.headers.get("anthropic-ratelimit-requests-remaining"))).toBeLessThan(1000);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      ...events
        .slice(
          3,
          events.findIndex((e) => e.event === "content_block_stop"),
        )
        .map(() => "content_block_delta"),
      "content_block_stop",
      "content_block_start",
      ...events
        .filter((e) => e.data.index === 1 && e.event === "content_block_delta")
        .map(() => "content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    const start = events[0]?.data.message;
    expect(start).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: null });
    expect(start.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(start.model).toBe("claude-sonnet-4-5-20250929");
    expect(start.usage.input_tokens).toBeGreaterThan(0);

    const text = events
      .filter((e) => e.data.index === 0 && e.event === "content_block_delta")
      .map((e) => e.data.delta.text as string)
      .join("");
    expect(text).toBe("Let me look.");
    const toolStart = events.find((e) => e.event === "content_block_start" && e.data.index === 1)?.data;
    expect(toolStart.content_block).toMatchObject({ type: "tool_use", name: "Bash", input: {} });
    expect(toolStart.content_block.id).toMatch(/^toolu_01[0-9A-Za-z]{22}$/);
    const partials = events
      .filter((e) => e.data.index === 1 && e.event === "content_block_delta")
      .map((e) => e.data.delta);
    expect(partials.every((d) => d.type === "input_json_delta")).toBe(true);
    expect(partials.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(partials.map((d) => d.partial_json).join(""))).toEqual(input);
    const delta = events.at(-2)?.data;
    expect(delta.delta).toEqual({ stop_reason: "tool_use", stop_sequence: null });
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
  });

  it("answers JSON when stream is false, and an empty queue gets the no-script text", async () => {
    await ctl.script([{ text: "Hello there" }]);
    const first = await post(body());
    expect(first.status).toBe(200);
    const msg = (await first.json()) as Record<string, unknown>;
    expect(msg).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    const second = (await (await post(body())).json()) as { content: unknown };
    expect(second.content).toEqual([{ type: "text", text: "(no script) OK" }]);
  });

  it("serves side requests without consuming steps, honouring a JSON output schema", async () => {
    await ctl.script([{ text: "main answer" }]);
    const title = await post(
      body({
        tools: [],
        output_config: {
          format: {
            type: "json_schema",
            schema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
          },
        },
      }),
    );
    const titleMsg = (await title.json()) as { content: Array<{ text: string }> };
    expect(JSON.parse(titleMsg.content[0]?.text ?? "")).toEqual({ title: "Scripted session" });
    const count = await post(body(), { "x-api-key": KEY }, "/v1/messages/count_tokens");
    expect(await count.json()).toEqual({ input_tokens: expect.any(Number) });
    expect(await ctl.pending()).toEqual([{ text: "main answer" }]);
    const main = (await (await post(body())).json()) as { content: unknown };
    expect(main.content).toEqual([{ type: "text", text: "main answer" }]);
    expect((await ctl.messages()).map((r) => `${r.kind}:${r.answer ?? "-"}`)).toEqual([
      "side:side",
      "count_tokens:-",
      "main:text",
    ]);
  });

  it("records what the model was sent: last user text, tool results, key fingerprint only", async () => {
    await post(
      body({
        messages: [
          { role: "user", content: "run it" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: {} }] },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "hello\n" }] },
              { type: "text", text: "<system-reminder>ignore me</system-reminder>" },
            ],
          },
        ],
      }),
      { authorization: `Bearer ${KEY}` },
    );
    const [rec] = await ctl.messages();
    expect(rec).toMatchObject({
      kind: "main",
      model: "claude-sonnet-4-5-20250929",
      stream: false,
      messageCount: 3,
      lastUserText: null,
      // Every earlier prompt stays visible, so a resumed conversation can be told from a new one.
      userTexts: ["run it"],
      toolResults: [{ tool_use_id: "toolu_1", content: "hello\n", is_error: false }],
      apiKeyLast4: "abcd",
    });
    expect(rec?.apiKeySha256).toMatch(/^[0-9a-f]{64}$/);
    const everything = JSON.stringify([await ctl.messages(), await ctl.requests(), await ctl.state()]);
    expect(everything).not.toContain(KEY);
  });
});

describe("anthropic messages stand-in: errors", () => {
  async function errorOf(res: Response) {
    return { status: res.status, body: (await res.json()) as { type: string; error: { type: string } } };
  }

  it("401 authentication_error without a key, 400 invalid_request_error for bad bodies", async () => {
    const none = await errorOf(await post(body(), {}));
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    for (const bad of [
      "{not json",
      { model: "m", messages: [] },
      body({ messages: [{ role: "bot", content: "x" }] }),
    ]) {
      const r = await errorOf(await post(bad));
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    }
    expect((await ctl.messages()).map((r) => `${r.kind}:${r.status}`)).toEqual([
      "invalid:400",
      "invalid:400",
      "invalid:400",
    ]);
    const noVersion = await fetch(`${cloud.urls.anthropic}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    expect(noVersion.status).toBe(400);
  });

  it("413 request_too_large, in the error shape, for a body over the real 32 MB limit", async () => {
    // A real prompt, padded past the limit: the front refuses it before any model sees it.
    const padding = "x".repeat(32 * 1024 * 1024);
    const res = await post(body({ messages: [{ role: "user", content: padding }] }));
    expect(res.status).toBe(413);
    expect(res.headers.get("request-id")).toMatch(/^req_01/);
    const answer = (await res.json()) as { error: { message: string }; request_id: string };
    expect(answer).toEqual({
      type: "error",
      error: {
        type: "request_too_large",
        message: expect.stringContaining("maximum allowed number of bytes"),
      },
      request_id: res.headers.get("request-id"),
    });
    // Nothing reached the model, and the service answers the next request as usual.
    expect(await ctl.messages()).toEqual([]);
    expect((await post(body())).status).toBe(200);
  });

  it("scripted 429 carries retry-after, 529 is overloaded_error; each consumes its step", async () => {
    await ctl.script([
      { error: { status: 429 } },
      { error: { status: 529 } },
      { error: { status: 500, message: "boom" } },
      { text: "recovered" },
    ]);
    const limited = await post(body());
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await errorOf(limited)).toMatchObject({
      status: 429,
      body: { error: { type: "rate_limit_error" } },
    });
    expect(await errorOf(await post(body({ stream: true })))).toMatchObject({
      status: 529,
      body: { error: { type: "overloaded_error", message: "Overloaded" } },
    });
    expect(await errorOf(await post(body()))).toMatchObject({
      status: 500,
      body: { error: { type: "api_error", message: "boom" } },
    });
    expect(((await (await post(body())).json()) as { content: unknown }).content).toEqual([
      { type: "text", text: "recovered" },
    ]);
  });

  it("a midStream error step answers 200 and breaks the stream off with an error event", async () => {
    await ctl.script([{ error: { status: 529 }, midStream: true }]);
    const res = await post(body({ stream: true }));
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(["message_start", "ping", "error"]);
    expect(events[2]?.data).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    expect((await ctl.messages()).map((r) => r.answer)).toEqual(["error-mid-stream"]);
  });

  it("the request bucket answers 429 rate_limit_error once spent", async () => {
    const small = await startEphemeral({ anthropicRateLimit: { limit: 2 } });
    try {
      const send = () =>
        fetch(`${small.urls.anthropic}/v1/messages`, {
          method: "POST",
          headers: {
            "x-api-key": KEY,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
          },
          body: JSON.stringify(body()),
        });
      expect((await send()).status).toBe(200);
      expect((await send()).status).toBe(200);
      const third = await send();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(third.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    } finally {
      await small.stop();
    }
  });

  it("rejects malformed scripts with a clear message", async () => {
    const res = await fetch(`${cloud.urls.anthropic}/__berth/anthropic/script`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ steps: [{ tool: "Bash" }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "steps[0].input must be an object" });
    expect(await ctl.pending()).toEqual([]);
  });
});
