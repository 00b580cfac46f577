/**
 * A fake `wrangler` for the setup command's tests: an executable script, first on PATH, that records
 * every call (argv and stdin) to a JSON-lines log and answers list/create/put commands from a JSON
 * state file, the way the real CLI prints them.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface FakeState {
  workerExists: boolean;
  d1: Array<{ name: string; uuid: string }>;
  buckets: string[];
  /** Secret name -> SHA-256 of its value (so a rotation is visible without storing values). */
  secrets: Record<string, string>;
  /** "<bucket>/<key>" -> SHA-256 of the uploaded file, or its text for `.sha256` objects. */
  objects: Record<string, string>;
  pendingMigrations: boolean;
  deploys: number;
}

export interface Call {
  argv: string[];
  stdin: string;
}

export const emptyState = (): FakeState => ({
  workerExists: false,
  d1: [],
  buckets: [],
  secrets: {},
  objects: {},
  pendingMigrations: true,
  deploys: 0,
});

const script = String.raw`
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const statePath = process.env.FAKE_WRANGLER_STATE;
const logPath = process.env.FAKE_WRANGLER_LOG;
let argv = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const stdin = Buffer.concat(chunks).toString("utf8");
appendFileSync(logPath, JSON.stringify({ argv, stdin }) + "\n");

const state = JSON.parse(readFileSync(statePath, "utf8"));
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const fail = (message, code = 1) => { process.stderr.write("✘ [ERROR] " + message + "\n"); process.exit(code); };
const sha = (data) => createHash("sha256").update(data).digest("hex");

let config;
const ci = argv.indexOf("--config");
if (ci >= 0) { config = argv[ci + 1]; argv = argv.filter((_, i) => i !== ci && i !== ci + 1); }
const flag = (name) => argv.includes(name);
const value = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const cmd = argv.filter((a) => !a.startsWith("--")).slice(0, 3).join(" ");
const configuredDbId = () => /database_id\s*=\s*"([^"]*)"/.exec(readFileSync(config, "utf8"))?.[1];

if (argv[0] === "d1" && argv[1] === "list") {
  if (!flag("--json")) fail("fake: use --json");
  console.log(JSON.stringify(state.d1.map((d) => ({ ...d, created_at: "2026-11-23T00:00:00Z", version: "production", num_tables: 0, file_size: 0 }))));
} else if (argv[0] === "d1" && argv[1] === "create") {
  if (state.d1.some((d) => d.name === argv[2])) fail("A database with that name already exists [code: 7502]");
  const uuid = randomUUID();
  state.d1.push({ name: argv[2], uuid });
  save();
  console.log("✅ Successfully created DB '" + argv[2] + "' in region WEUR");
} else if (cmd === "d1 migrations list" || cmd === "d1 migrations apply") {
  if (!flag("--remote")) fail("fake: migrations must be --remote");
  const id = configuredDbId();
  if (!state.d1.some((d) => d.uuid === id)) fail("Couldn't find DB with id '" + id + "' (wrangler.toml database_id is stale) [code: 7404]");
  if (argv[2] === "list") console.log(state.pendingMigrations ? "Migrations to be applied:\n0000_auth.sql\n0001_workspaces.sql" : "✅ No migrations to apply!");
  else { state.pendingMigrations = false; save(); console.log("🚣 2 migrations applied"); }
} else if (cmd === "r2 bucket list") {
  console.log("Listing buckets...");
  console.log(state.buckets.map((b) => "name:           " + b + "\ncreation_date:  2026-11-23T00:00:00.000Z").join("\n\n"));
} else if (cmd === "r2 bucket create") {
  if (state.buckets.includes(argv[3])) fail("The bucket you tried to create already exists [code: 10004]");
  state.buckets.push(argv[3]);
  save();
  console.log("✅ Created bucket '" + argv[3] + "' with default storage class of Standard.");
} else if (cmd === "r2 object get" || cmd === "r2 object put") {
  if (!flag("--remote")) fail("fake: objects must be --remote");
  const [bucket] = argv[3].split("/");
  if (!state.buckets.includes(bucket)) fail("The specified bucket does not exist. [code: 10006]");
  if (argv[2] === "get") {
    if (!(argv[3] in state.objects)) fail("The specified key does not exist.");
    if (!flag("--pipe")) fail("fake: use --pipe");
    process.stdout.write(state.objects[argv[3]]);
  } else {
    const data = readFileSync(value("--file"));
    state.objects[argv[3]] = argv[3].endsWith(".sha256") ? data.toString("utf8") : sha(data);
    save();
    console.log("Upload complete.");
  }
} else if (argv[0] === "secret" && argv[1] === "list") {
  if (!state.workerExists) fail("This Worker does not exist on your account. [code: 10007]");
  console.log(JSON.stringify(Object.keys(state.secrets).map((name) => ({ name, type: "secret_text" }))));
} else if (argv[0] === "secret" && argv[1] === "put") {
  if (!stdin) fail("fake: no value on stdin");
  state.secrets[argv[2]] = sha(stdin);
  state.workerExists = true;
  save();
  console.log("✨ Success! Uploaded secret " + argv[2]);
} else if (argv[0] === "deploy") {
  if (!state.d1.some((d) => d.uuid === configuredDbId())) fail("fake: deploy with a stale database_id");
  state.workerExists = true;
  state.deploys += 1;
  save();
  console.log("Uploaded berth (1.00 sec)\nDeployed berth triggers (0.50 sec)\n  https://berth.fake.workers.dev\n  schedule: * * * * *");
} else {
  fail("fake wrangler: unknown command " + argv.join(" "), 2);
}
`;

export interface FakeWrangler {
  binDir: string;
  statePath: string;
  logPath: string;
  env: Record<string, string>;
  state: () => FakeState;
  setState: (state: FakeState) => void;
  calls: () => Call[];
  clearLog: () => void;
}

export function installFakeWrangler(dir: string, initial: FakeState = emptyState()): FakeWrangler {
  const binDir = path.join(dir, "bin");
  mkdirSync(binDir, { recursive: true });
  const bin = path.join(binDir, "wrangler");
  const module = path.join(binDir, "fake-wrangler.mjs");
  writeFileSync(module, script);
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(module)} "$@"\n`);
  chmodSync(bin, 0o755);
  const statePath = path.join(dir, "state.json");
  const logPath = path.join(dir, "calls.jsonl");
  const setState = (state: FakeState) => writeFileSync(statePath, JSON.stringify(state, null, 2));
  setState(initial);
  writeFileSync(logPath, "");
  return {
    binDir,
    statePath,
    logPath,
    env: { FAKE_WRANGLER_STATE: statePath, FAKE_WRANGLER_LOG: logPath },
    state: () => JSON.parse(readFileSync(statePath, "utf8")) as FakeState,
    setState,
    calls: () =>
      readFileSync(logPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call),
    clearLog: () => writeFileSync(logPath, ""),
  };
}
