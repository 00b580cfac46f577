/**
 * The agent checks protocol shapes without zod (src/checks/); the Worker and cloud-init use the
 * zod schemas in @berth/protocol. Both must give the same answer for every input: a config
 * cloud-init writes must load, and a body the agent sends must pass the Worker's validation.
 */
import { describe, expect, test } from "bun:test";
import {
  agentConfigSchema,
  bootstrapResponseSchema,
  heartbeatRequestSchema,
  heartbeatResponseSchema,
  progressRequestSchema,
  readyRequestSchema,
  secretsResponseSchema,
  shutdownRequestSchema,
} from "@berth/protocol";
import {
  agentConfigCheck,
  bootstrapResponseCheck,
  heartbeatRequestCheck,
  heartbeatResponseCheck,
  progressRequestCheck,
  readyRequestCheck,
  secretsResponseCheck,
  shutdownRequestCheck,
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

test("a bad config names every offending field", () => {
  const r = agentConfigCheck.safeParse({ ...config, hostname: "", listen: { host: "h", port: 0 } });
  expect(r.success).toBe(false);
  if (!r.success) {
    expect(r.error.message).toContain("hostname: too short");
    expect(r.error.message).toContain("listen.port: too small");
  }
});
