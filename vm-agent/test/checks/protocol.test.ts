/**
 * The agent checks protocol shapes without zod (src/checks/); the Worker and cloud-init use the
 * zod schemas in @berth/protocol. Both must give the same answer for every input: a config
 * cloud-init writes must load, and a body the agent sends must pass the Worker's validation.
 */
import { describe, expect, test } from "bun:test";
import {
  agentConfigSchema,
  bootstrapResponseSchema,
  gitCredentialsResponseSchema,
  heartbeatRequestSchema,
  heartbeatResponseSchema,
  progressRequestSchema,
  readyRequestSchema,
  secretsResponseSchema,
  shutdownRequestSchema,
  snapshotCompleteRequestSchema,
  snapshotCreatedSchema,
  snapshotManifestSchema,
  snapshotPartSchema,
  snapshotTooLargeSchema,
  taskEventsRequestSchema,
  taskMessagesResponseSchema,
  taskResultRequestSchema,
} from "@berth/protocol";
import {
  agentConfigCheck,
  bootstrapResponseCheck,
  gitCredentialsResponseCheck,
  heartbeatRequestCheck,
  heartbeatResponseCheck,
  progressRequestCheck,
  readyRequestCheck,
  secretsResponseCheck,
  shutdownRequestCheck,
  snapshotCompleteRequestCheck,
  snapshotCreatedCheck,
  snapshotManifestCheck,
  snapshotPartCheck,
  snapshotTooLargeCheck,
  taskEventsRequestCheck,
  taskMessagesResponseCheck,
  taskResultRequestCheck,
} from "../../src/checks/protocol.ts";

type Parse = (v: unknown) => { success: boolean; data?: unknown };
/** [path, value] sets a field (undefined deletes it); a whole value stands for itself. */
type Variant = { set: [string, unknown] } | { whole: unknown };

function withField(base: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = path.split(".");
  let target = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  const last = keys.at(-1) ?? "";
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

function agree(name: string, zod: Parse, check: Parse, base: unknown, variants: Variant[]) {
  describe(name, () => {
    const inputs = [base, ...variants.map((v) => ("whole" in v ? v.whole : withField(base, ...v.set)))];
    test("the valid example passes both", () => {
      expect(zod(base).success).toBe(true);
      expect(check(base)).toEqual({ success: true, data: zod(base).data });
    });
    test.each(inputs.map((input) => [JSON.stringify(input) ?? "undefined", input]))("%s", (_, input) => {
      const z = zod(input);
      const c = check(input);
      expect(c.success).toBe(z.success);
      if (z.success) expect(c.data).toEqual(z.data);
    });
  });
}

const not = (path: string, ...values: unknown[]): Variant[] => values.map((v) => ({ set: [path, v] }));
const wholes: Variant[] = [null, undefined, "x", 1, [], true].map((whole) => ({ whole }));
const ts = "2026-11-30T15:00:00Z";
const badTimes = [
  "2026-11-30",
  "2026-11-30T15:00Z",
  "2026-02-30T15:00:00Z",
  "2026-11-30T15:00:00+01:00",
  1,
  "",
];

const config = {
  workspace_id: "ws1",
  hostname: "ws1.berth.example.com",
  control_plane_url: "https://berth.example.com",
  bootstrap_token: "b".repeat(20),
  terminal_token_public_key: { kty: "EC", crv: "P-256", x: "x", y: "y" },
  repo_url: "https://github.com/o/r",
  branch: null,
  idle_timeout_seconds: 1800,
  idle_grace_seconds: 0,
  max_lifetime_seconds: 86400,
  heartbeat_interval_seconds: 30,
  listen: { host: "127.0.0.1", port: 8080 },
  data_dir: "/var/lib/berth",
  anthropic_base_url: "http://127.0.0.1:8704",
  extra: "dropped",
};
agree(
  "agent config",
  (v) => agentConfigSchema.safeParse(v),
  (v) => agentConfigCheck.safeParse(v),
  config,
  [
    ...wholes,
    ...not("workspace_id", "", 1, undefined, null),
    ...not("hostname", "", undefined),
    ...not("control_plane_url", "not a url", "  https://x.example/a\tb  ", "", "http:x", 3, undefined),
    ...not("bootstrap_token", "short", "c".repeat(19), "c".repeat(200), undefined),
    ...not("terminal_token_public_key", null, [], "k", {}, undefined),
    ...not("repo_url", "", undefined),
    ...not("branch", "main", "", 1, undefined),
    ...not("idle_timeout_seconds", 0, -1, 1.5, "60", 2 ** 60, Number.NaN, undefined),
    ...not("idle_grace_seconds", 0, -1, 3.2, 10),
    ...not("max_lifetime_seconds", 0, 1, undefined),
    ...not("heartbeat_interval_seconds", undefined, 0, 1, null),
    ...not("checkpoint_interval_seconds", undefined, 0, 1, 600, 1.5, "600", null),
    ...not("snapshot_keep_ignored", undefined, true, false, "true", 0, null),
    ...not("listen", null, {}, { host: "::", port: 1, more: 1 }),
    ...not("listen.port", 0, 65535, 1.5, undefined),
    ...not("listen.host", "", 1, undefined),
    ...not("data_dir", "", undefined),
    ...not(
      "anthropic_base_url",
      undefined,
      "https://api.example",
      " http://x.example ",
      "https://user:pw@x.example",
      "https://user@x.example/p",
      "http://x.example/@a",
      "ftp://x.example",
      "http:x.example",
      "x",
      null,
    ),
  ],
);

agree(
  "bootstrap response",
  (v) => bootstrapResponseSchema.safeParse(v),
  (v) => bootstrapResponseCheck.safeParse(v),
  {
    callback_token: "t".repeat(40),
    claude_api_key: "sk-ant-x",
    user_secrets: { NPM_TOKEN: "n", _x9: "", lower_case: "v" },
    more: 1,
  },
  [
    ...wholes,
    ...not("callback_token", "t".repeat(19), "", 1, undefined),
    ...not("claude_api_key", null, "", 1, undefined),
    ...not(
      "user_secrets",
      undefined,
      {},
      null,
      [],
      [["A", "b"]],
      "A=b",
      { "9LIVES": "x" },
      { "A-B": "x" },
      { "": "x" },
      { "A B": "x" },
      { A: 1 },
      { A: null },
      { A: ["x"] },
      { A: "x", B: { c: "d" } },
      // Reserved names are the Worker's rule when they are saved, not the wire format's.
      { BERTH_X: "x", ANTHROPIC_API_KEY: "y" },
    ),
    {
      whole: JSON.parse(
        '{"callback_token":"tttttttttttttttttttttttttt","claude_api_key":null,"user_secrets":{"__proto__":"x"}}',
      ),
    },
  ],
);

const git = {
  repository: "octo-org/hello.world",
  origin: "https://github.com",
  user_name: "Octo Cat",
  user_email: "1+octocat@users.noreply.github.com",
};
agree(
  "bootstrap response with git",
  (v) => bootstrapResponseSchema.safeParse(v),
  (v) => bootstrapResponseCheck.safeParse(v),
  { callback_token: "t".repeat(40), claude_api_key: null, git, restore: { snapshot_id: "s1" } },
  [
    ...not("git", null, undefined, {}, "o/r", { ...git, extra: 1 }),
    ...not("git.repository", "o/r", "o/r/x", "o", "", "o r/x", "/r", "o/", 1, undefined),
    ...not("git.origin", "http://127.0.0.1:8703", " https://github.com ", "github.com", "", undefined),
    ...not("git.user_name", "", "n".repeat(255), "n".repeat(256), undefined),
    ...not("git.user_email", "a@b.co", "a.b@c.io", "a@b", "ab", "a..b@c.io", ".a@c.io", "", 1, undefined),
    ...not("restore", null, undefined, {}, { snapshot_id: "" }),
  ],
);

agree(
  "git credentials response",
  (v) => gitCredentialsResponseSchema.safeParse(v),
  (v) => gitCredentialsResponseCheck.safeParse(v),
  {
    username: "x-access-token",
    password: "ghs_abc",
    expires_at: ts,
    repository: "o/r",
    origin: "http://127.0.0.1:8703",
    more: 1,
  },
  [
    ...wholes,
    ...not("username", "oauth2", "", undefined),
    ...not("password", "", 1, null, undefined),
    ...not("expires_at", "2026-11-30T15:00:00.123Z", ...badTimes, undefined),
    ...not("repository", "", 1, undefined),
    ...not("origin", "nope", "https://github.com", undefined),
  ],
);

agree(
  "progress request",
  (v) => progressRequestSchema.safeParse(v),
  (v) => progressRequestCheck.safeParse(v),
  { step: "clone", message: "cloning", at: ts },
  [
    ...wholes,
    ...not("step", "", "s".repeat(64), "s".repeat(65), undefined),
    ...not("message", "", "m".repeat(2000), "m".repeat(2001), undefined),
    ...not("at", undefined, null, "2026-11-30T15:00:00.123456Z", ...badTimes),
  ],
);

agree(
  "ready request",
  (v) => readyRequestSchema.safeParse(v),
  (v) => readyRequestCheck.safeParse(v),
  { runtime: "devcontainer" },
  [...wholes, ...not("runtime", "host", "docker", "", undefined)],
);

agree(
  "heartbeat request",
  (v) => heartbeatRequestSchema.safeParse(v),
  (v) => heartbeatRequestCheck.safeParse(v),
  {
    last_human_input_at: ts,
    claude: { state: "waiting", waiting_reason: "permission_prompt", last_activity_at: ts },
    open_terminals: 2,
    idle: { idle_seconds: 0, warning: false, shutdown_at: null },
  },
  [
    ...wholes,
    ...not("last_human_input_at", null, undefined, ...badTimes),
    ...not("claude", null, {}, { state: "idle" }),
    ...not("claude.state", "working", "sleeping", undefined),
    ...not("claude.waiting_reason", null, undefined, "idle_prompt", "other"),
    ...not("claude.last_activity_at", null, undefined, ...badTimes),
    ...not("open_terminals", 0, 1000, 1001, -1, 0.5, undefined),
    ...not("idle.idle_seconds", -1, 1.5, 99999, undefined),
    ...not("idle.warning", true, "true", 0, undefined),
    ...not("idle.shutdown_at", ts, undefined, ...badTimes),
    ...not(
      "ports",
      undefined,
      [],
      null,
      {},
      [{ port: 3000, process: "node", first_seen_at: ts }],
      [{ port: 3000, process: null, first_seen_at: ts, extra: 1 }],
      Array.from({ length: 100 }, (_, i) => ({ port: i + 1, process: null, first_seen_at: ts })),
      Array.from({ length: 101 }, (_, i) => ({ port: i + 1, process: null, first_seen_at: ts })),
      [{ port: 0, process: null, first_seen_at: ts }],
      [{ port: 65535, process: "p".repeat(64), first_seen_at: ts }],
      [{ port: 65536, process: null, first_seen_at: ts }],
      [{ port: 80.5, process: null, first_seen_at: ts }],
      [{ port: "80", process: null, first_seen_at: ts }],
      [{ port: 80, process: "p".repeat(65), first_seen_at: ts }],
      [{ port: 80, first_seen_at: ts }],
      [{ port: 80, process: null }],
      [{ port: 80, process: null, first_seen_at: "2026-11-30" }],
      [null],
      ["3000"],
    ),
    ...not("secrets_generation", undefined, 0, 7, -1, 1.5, "1", null),
  ],
);

agree(
  "heartbeat response",
  (v) => heartbeatResponseSchema.safeParse(v),
  (v) => heartbeatResponseCheck.safeParse(v),
  { state: "running", public_ports: [3000, 8080], more: 1 },
  [
    ...wholes,
    { whole: {} },
    ...not("state", undefined, "", 1, null),
    ...not(
      "public_ports",
      undefined,
      [],
      [1, 65535],
      [0],
      [65536],
      [1.5],
      ["3000"],
      [null],
      null,
      3000,
      {},
      Array.from({ length: 65536 }, () => 80),
    ),
    ...not("secrets_generation", undefined, 0, 3, -1, 2.5, "3", null),
  ],
);

agree(
  "secrets response",
  (v) => secretsResponseSchema.safeParse(v),
  (v) => secretsResponseCheck.safeParse(v),
  { user_secrets: { API_TOKEN: "v", DB_URL: "" }, secrets_generation: 2, more: 1 },
  [
    ...wholes,
    ...not("user_secrets", {}, undefined, null, [], { "not a name": "v" }, { A: 1 }, { __proto__: "x" }),
    ...not("secrets_generation", 0, undefined, -1, 1.5, "2", null),
  ],
);

agree(
  "shutdown request",
  (v) => shutdownRequestSchema.safeParse(v),
  (v) => shutdownRequestCheck.safeParse(v),
  { reason: "boot_failed", detail: "cannot clone" },
  [
    ...wholes,
    ...not("reason", "idle", "max_lifetime", "user", "bored", undefined),
    ...not("detail", undefined, "", "d".repeat(2000), "d".repeat(2001), null),
  ],
);

agree(
  "shutdown request with a snapshot",
  (v) => shutdownRequestSchema.safeParse(v),
  (v) => shutdownRequestCheck.safeParse(v),
  { reason: "idle", snapshot_id: "snap1" },
  [...not("snapshot_id", undefined, "", 1, null)],
);

const hash = "a".repeat(64);
const badHashes = ["A".repeat(64), "a".repeat(63), "a".repeat(65), "g".repeat(64), "", 1, null, undefined];

agree(
  "snapshot created",
  (v) => snapshotCreatedSchema.safeParse(v),
  (v) => snapshotCreatedCheck.safeParse(v),
  { snapshot_id: "s1", part_size: 8 * 1024 * 1024, max_bytes: 2 ** 31, more: 1 },
  [
    ...wholes,
    ...not("snapshot_id", "", 1, null, undefined),
    ...not("part_size", 0, -1, 1.5, "1", undefined),
    ...not("max_bytes", 0, 1, 2 ** 53, undefined),
  ],
);

agree(
  "snapshot part",
  (v) => snapshotPartSchema.safeParse(v),
  (v) => snapshotPartCheck.safeParse(v),
  { n: 0, size: 100, sha256: hash },
  [
    ...wholes,
    ...not("n", -1, 1.5, 10_000, "0", undefined),
    ...not("size", 0, -1, undefined),
    ...not("sha256", ...badHashes),
  ],
);

const complete = { size: 100, sha256: hash, parts: [{ n: 0, size: 100, sha256: hash }] };
agree(
  "snapshot complete request",
  (v) => snapshotCompleteRequestSchema.safeParse(v),
  (v) => snapshotCompleteRequestCheck.safeParse(v),
  complete,
  [
    ...wholes,
    ...not("size", -1, 0, undefined),
    ...not("sha256", ...badHashes),
    ...not(
      "parts",
      [],
      null,
      [null],
      [{ n: 0, size: 1 }],
      Array.from({ length: 10_000 }, (_, n) => ({ n, size: 1, sha256: hash })),
      Array.from({ length: 10_001 }, (_, n) => ({ n, size: 1, sha256: hash })),
    ),
  ],
);

agree(
  "snapshot manifest",
  (v) => snapshotManifestSchema.safeParse(v),
  (v) => snapshotManifestCheck.safeParse(v),
  { ...complete, snapshot_id: "s1", kind: "sleep", created_at: ts, encrypted: true },
  [
    ...wholes,
    ...not("snapshot_id", "", 1, undefined),
    ...not("kind", "checkpoint", "nap", undefined),
    ...not("created_at", ...badTimes),
    ...not("parts", []),
  ],
);

agree(
  "snapshot too large",
  (v) => snapshotTooLargeSchema.safeParse(v),
  (v) => snapshotTooLargeCheck.safeParse(v),
  { size: 3 * 2 ** 30, max_bytes: 2 ** 31, biggest: [{ path: "node_modules", bytes: 2 ** 31 }] },
  [
    ...wholes,
    ...not("size", -1, 1.5, undefined),
    ...not("max_bytes", 0, undefined),
    ...not(
      "biggest",
      [],
      [{ path: "a" }],
      [{ path: 1, bytes: 1 }],
      [{ path: "a", bytes: -1 }],
      Array.from({ length: 20 }, (_, i) => ({ path: `d${i}`, bytes: i })),
      Array.from({ length: 21 }, (_, i) => ({ path: `d${i}`, bytes: i })),
      undefined,
    ),
  ],
);

const task = {
  id: "tsk_01abc",
  prompt: "Fix the flaky test in ci.yml",
  branch: "berth/tsk_01abc",
  base_branch: "main",
  max_minutes: 30,
  permission_mode: "acceptEdits",
  commit_and_push: true,
};
agree(
  "bootstrap response with a task",
  (v) => bootstrapResponseSchema.safeParse(v),
  (v) => bootstrapResponseCheck.safeParse(v),
  { callback_token: "t".repeat(40), claude_api_key: "k", task },
  [
    ...not("task", null, undefined, {}, "x", { ...task, extra: 1 }, { ...task, last_turn: 0 }),
    ...not("task.id", "a", "a".repeat(64), "a".repeat(65), "-a", "a/b", "a b", "", 1, undefined),
    ...not("task.prompt", "", "p".repeat(100_000), "p".repeat(100_001), null, undefined),
    ...not("task.branch", "", "b".repeat(256), undefined),
    ...not("task.base_branch", null, "", "develop", undefined),
    ...not("task.max_minutes", 0, 1, 1440, 1441, 2.5, "30", undefined),
    ...not("task.permission_mode", "default", "plan", "dontAsk", "bypassPermissions", "auto", "", undefined),
    ...not("task.commit_and_push", false, "true", 1, undefined),
    ...not("task.last_turn", null, undefined, 0, 7, -1, 1.5, "1"),
  ],
);

const event = {
  seq: 3,
  at: ts,
  turn: 0,
  kind: "tool_call",
  text: "Edit README.md",
  tool: "Edit",
  tool_use_id: "toolu_01",
  input_summary: "README.md",
  extra: "dropped",
};
agree(
  "task events request",
  (v) => taskEventsRequestSchema.safeParse(v),
  (v) => taskEventsRequestCheck.safeParse(v),
  { task_id: "tsk_1", events: [event] },
  [
    ...wholes,
    ...not("task_id", "", "a/b", undefined),
    ...not(
      "events",
      [],
      null,
      {},
      Array.from({ length: 100 }, () => event),
      Array.from({ length: 101 }, () => event),
    ),
    ...not("events.0.seq", 0, 1, 1.5, undefined),
    ...not("events.0.at", undefined, ...badTimes),
    ...not("events.0.turn", 0, 5, -1, undefined),
    ...not("events.0.kind", "message", "usage", "turn_finished", "thinking", undefined),
    ...not("events.0.text", "", "t".repeat(2000), "t".repeat(2001), null, undefined),
    ...not("events.0.tool", undefined, "", "t".repeat(101), 1),
    ...not("events.0.tool_use_id", undefined, "", 1),
    ...not("events.0.input_summary", undefined, "", "i".repeat(500), "i".repeat(501)),
    ...not("events.0.is_error", undefined, true, "no"),
    ...not(
      "events.0.files",
      undefined,
      [],
      [{ path: "a.txt", change: "added" }],
      [{ path: "a.txt", change: "renamed", more: 1 }],
      [{ path: "", change: "added" }],
      [{ path: "a", change: "copied" }],
      [{ path: "a" }],
      Array.from({ length: 101 }, () => ({ path: "a", change: "modified" })),
      "a.txt",
    ),
    ...not(
      "events.0.tokens",
      undefined,
      { input: 1, output: 2 },
      { input: 1, output: 2, cache_read: 3, cache_creation: 4, x: 1 },
      { input: 1 },
      { input: -1, output: 0 },
      { input: 1.5, output: 0 },
      { input: 1, output: 1, cache_read: null },
    ),
    ...not(
      "events.0.cost_usd",
      undefined,
      0,
      0.2872,
      12,
      -0.01,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "1",
      null,
    ),
  ],
);

agree(
  "task messages response",
  (v) => taskMessagesResponseSchema.safeParse(v),
  (v) => taskMessagesResponseCheck.safeParse(v),
  { task_id: "tsk_1", messages: [{ seq: 1, text: "also update the docs", at: ts }] },
  [
    ...wholes,
    ...not("task_id", "", undefined),
    ...not(
      "messages",
      [],
      null,
      Array.from({ length: 51 }, (_, i) => ({ seq: i + 1, text: "x", at: ts })),
    ),
    ...not("messages.0.seq", 0, 2, undefined),
    ...not("messages.0.text", "", "t".repeat(100_001), undefined),
    ...not("messages.0.at", undefined, "yesterday"),
  ],
);

agree(
  "task result request",
  (v) => taskResultRequestSchema.safeParse(v),
  (v) => taskResultRequestCheck.safeParse(v),
  {
    task_id: "tsk_1",
    turn: 0,
    outcome: "succeeded",
    branch: "berth/tsk_1",
    commits: 2,
    head_sha: "a".repeat(40),
    pushed: true,
    summary: "Fixed it.",
    tokens: { input: 10, output: 5 },
    cost_usd: 0.01,
  },
  [
    ...wholes,
    ...not("task_id", "", undefined),
    ...not("turn", 3, -1, undefined),
    ...not("outcome", "failed", "cancelled", undefined),
    ...not("reason", undefined, "", "max_minutes reached", "r".repeat(2001)),
    ...not("branch", "", undefined),
    ...not("commits", 0, -1, undefined),
    ...not("head_sha", null, "b".repeat(64), "A".repeat(40), "abc", undefined),
    ...not("pushed", false, undefined),
    ...not("summary", "", "s".repeat(20_000), "s".repeat(20_001), undefined),
    ...not("tokens", undefined, {}),
    ...not("cost_usd", undefined, -1),
  ],
);

test("a bad config names every offending field", () => {
  const r = agentConfigCheck.safeParse({ ...config, hostname: "", listen: { host: "h", port: 0 } });
  expect(r.success).toBe(false);
  if (!r.success) {
    expect(r.error.message).toContain("hostname: too short");
    expect(r.error.message).toContain("listen.port: too small");
  }
});
