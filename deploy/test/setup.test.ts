import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setup as runSetup } from "../src/setup.ts";
import { type Call, type FakeWrangler, installFakeWrangler } from "./fake-wrangler.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const setupScript = path.join(repo, "deploy/src/setup.ts");

const inputs = {
  BERTH_PUBLIC_URL: "https://berth.mine.dev",
  WORKSPACE_DOMAIN: "ws.mine.dev",
  CLOUDFLARE_ZONE_ID: "0123456789abcdef0123456789abcdef",
  GITHUB_CLIENT_ID: "Iv1.0123456789abcdef",
  GITHUB_APP_ID: "123456",
  GITHUB_APP_SLUG: "berth-mine",
};
/** GitHub's App key file: PKCS#1 PEM (content made up; the setup only passes it on). */
const appKeyPem = `-----BEGIN RSA PRIVATE KEY-----\n${"S0VZLVNIT1VMRC1ORVZFUi1CRS1QUklOVEVE".repeat(4)}\n-----END RSA PRIVATE KEY-----`;
const secretInputs = {
  GITHUB_APP_PRIVATE_KEY: appKeyPem,
  GITHUB_CLIENT_SECRET: "gh-secret-0f9a8b7c6d5e4f3a2b1c",
  HETZNER_TOKEN: "hz-token-SHOULD-NEVER-BE-PRINTED-123456",
  BERTH_CLOUDFLARE_API_TOKEN: "cf-token-SHOULD-NEVER-BE-PRINTED-654321",
};

/** Commands that change something on Cloudflare. */
function mutating(call: Call): boolean {
  const a = call.argv.filter((x) => !x.startsWith("--"));
  const cmd = a.slice(0, 3).join(" ");
  return (
    cmd === "d1 create berth" ||
    cmd.startsWith("d1 migrations apply") ||
    cmd.startsWith("r2 bucket create") ||
    cmd.startsWith("r2 object put") ||
    cmd.startsWith("secret put") ||
    a[0] === "deploy"
  );
}

const named = (calls: Call[], prefix: string) => calls.filter((c) => c.argv.join(" ").startsWith(prefix));

let dir: string;
let fake: FakeWrangler;
let toml: string;
let agentDir: string;

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    ...Object.keys(inputs),
    ...Object.keys(secretInputs),
    "GITHUB_APP_PRIVATE_KEY_FILE",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_ACCOUNT_ID",
  ]) {
    delete env[name];
  }
  return { ...env, ...fake.env, PATH: `${fake.binDir}${path.delimiter}${process.env.PATH}`, ...extra };
}

function setup(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(
    process.execPath,
    [setupScript, "--config", toml, "--skip-build", "--agent-dir", agentDir, ...args],
    { env, input: "", encoding: "utf8", timeout: 60_000 },
  );
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.stdout + result.stderr,
  };
}

function writeAgent(arch: string, content: string) {
  writeFileSync(path.join(agentDir, `berth-agent-linux-${arch}.xz`), content);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "berth-setup-"));
  fake = installFakeWrangler(dir);
  toml = path.join(dir, "wrangler.toml");
  copyFileSync(path.join(repo, "wrangler.toml"), toml);
  agentDir = path.join(dir, "agents");
  mkdirSync(agentDir);
  writeAgent("x64", "fake x64 agent binary");
  writeAgent("arm64", "fake arm64 agent binary");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const everyStep = [
  "d1 database",
  "r2 bucket",
  "wrangler.toml",
  "d1 migrations",
  "secrets",
  "agent build",
  "agent upload",
  "dashboard build",
  "worker deploy",
];

describe("setup:cloudflare --dry-run", () => {
  it("prints every step it would take and runs no mutating command", () => {
    const before = readFileSync(toml, "utf8");
    const run = setup(["--dry-run"], baseEnv({ ...inputs, ...secretInputs }));
    expect(run.code, run.all).toBe(0);
    for (const step of everyStep) expect(run.stdout).toMatch(new RegExp(`(\\[dry-run\\]|✓) ${step}: `));
    expect(run.stdout).toContain("[dry-run] d1 database: would run wrangler d1 create berth");
    expect(run.stdout).toContain("[dry-run] r2 bucket: would run wrangler r2 bucket create berth-agents");
    expect(run.stdout).toContain(
      "[dry-run] d1 migrations: would run wrangler d1 migrations apply berth --remote",
    );
    for (const name of [
      "ENCRYPTION_KEY",
      "TERMINAL_SIGNING_KEY",
      "VAPID_PRIVATE_KEY",
      "BETTER_AUTH_SECRET",
      "GITHUB_APP_PRIVATE_KEY",
      "GITHUB_CLIENT_SECRET",
      "HETZNER_TOKEN",
      "CLOUDFLARE_API_TOKEN",
    ]) {
      expect(run.stdout).toMatch(
        new RegExp(`\\[dry-run\\] secrets: would run wrangler secret put ${name} .*< \\(`),
      );
    }
    expect(run.stdout).toContain("< (from $HETZNER_TOKEN)");
    expect(run.stdout).toContain("[dry-run] wrangler.toml: would write ");
    for (const key of [
      "berth-agent-linux-x64.xz",
      "berth-agent-linux-x64.xz.sha256",
      "berth-agent-linux-arm64.xz",
      "berth-agent-linux-arm64.xz.sha256",
    ]) {
      expect(run.stdout).toContain(`would run wrangler r2 object put berth-agents/${key} `);
    }
    expect(run.stdout).toContain("[dry-run] worker deploy: would run wrangler deploy");
    expect(run.stdout).toContain('WORKSPACE_DOMAIN = "ws.mine.dev"');
    // Not given: the default deployment id, said out loud.
    expect(run.stdout).toContain('DEPLOYMENT_ID = "prod"');
    expect(run.stdout).toContain('DEPLOYMENT_ID is "prod"');
    expect(run.stdout).toContain("[dry-run] nothing was changed");
    for (const value of Object.values(secretInputs)) expect(run.all).not.toContain(value);

    const calls = fake.calls();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter(mutating)).toEqual([]);
    expect(readFileSync(toml, "utf8")).toBe(before);
    expect(fake.state().d1).toEqual([]);
  });

  it("works without inputs and without --skip-build, and says what a real run would need", () => {
    const result = spawnSync(process.execPath, [setupScript, "--config", toml, "--dry-run"], {
      env: baseEnv(),
      input: "",
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("a real run would need");
    expect(result.stdout).toContain("HETZNER_TOKEN");
    expect(result.stdout).toContain("--zone-id");
    expect(result.stdout).toContain("[dry-run] agent build: would run bun run scripts/build.ts");
    expect(result.stdout).toContain("[dry-run] dashboard build: would run vite build");
    expect(fake.calls().filter(mutating)).toEqual([]);
  });
});

describe("setup:cloudflare", () => {
  it("sets everything up on a first run, then changes nothing but the deploy on a second", () => {
    const first = setup([], baseEnv({ ...inputs, ...secretInputs }));
    expect(first.code, first.all).toBe(0);
    const calls = fake.calls();
    const state = fake.state();

    expect(named(calls, "d1 create berth")).toHaveLength(1);
    expect(named(calls, "r2 bucket create berth-agents")).toHaveLength(1);
    expect(named(calls, "r2 bucket create berth-snapshots")).toHaveLength(1);
    expect(named(calls, "d1 migrations apply berth --remote")).toHaveLength(1);
    expect(state.pendingMigrations).toBe(false);

    // Seven secrets, each value on stdin only: not in argv, not in the output.
    const puts = named(calls, "secret put");
    expect(puts.map((c) => c.argv[2]).sort()).toEqual(
      [
        "BETTER_AUTH_SECRET",
        "CLOUDFLARE_API_TOKEN",
        "ENCRYPTION_KEY",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_CLIENT_SECRET",
        "HETZNER_TOKEN",
        "TERMINAL_SIGNING_KEY",
        "VAPID_PRIVATE_KEY",
      ].sort(),
    );
    for (const put of puts) {
      expect(put.stdin.length).toBeGreaterThan(0);
      expect(first.all).not.toContain(put.stdin);
      for (const arg of put.argv) expect(arg).not.toContain(put.stdin);
    }
    const stdinOf = (name: string) => puts.find((c) => c.argv[2] === name)?.stdin ?? "";
    expect(stdinOf("HETZNER_TOKEN")).toBe(secretInputs.HETZNER_TOKEN);
    expect(stdinOf("CLOUDFLARE_API_TOKEN")).toBe(secretInputs.BERTH_CLOUDFLARE_API_TOKEN);
    expect(Buffer.from(stdinOf("ENCRYPTION_KEY"), "base64")).toHaveLength(32);
    expect(JSON.parse(stdinOf("TERMINAL_SIGNING_KEY"))).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(JSON.parse(stdinOf("VAPID_PRIVATE_KEY"))).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(stdinOf("BETTER_AUTH_SECRET").length).toBeGreaterThanOrEqual(32);

    // wrangler.toml now names the database that was created, and carries the settings.
    const written = readFileSync(toml, "utf8");
    const db = state.d1.find((d) => d.name === "berth");
    expect(db).toBeDefined();
    expect(written).toContain(`database_id = "${db?.uuid}"`);
    for (const [name, value] of Object.entries(inputs)) expect(written).toContain(`${name} = "${value}"`);
    expect(written).toContain('routes = [{ pattern = "berth.mine.dev", custom_domain = true }]');
    expect(written).toContain("# The control plane Worker."); // comments survive

    // Four agent objects, binaries before their hashes.
    const objectPuts = named(calls, "r2 object put").map((c) => c.argv[3]);
    expect(objectPuts).toEqual([
      "berth-agents/berth-agent-linux-x64.xz",
      "berth-agents/berth-agent-linux-x64.xz.sha256",
      "berth-agents/berth-agent-linux-arm64.xz",
      "berth-agents/berth-agent-linux-arm64.xz.sha256",
    ]);
    expect(state.objects["berth-agents/berth-agent-linux-x64.xz"]).toBe(sha256("fake x64 agent binary"));
    expect(state.objects["berth-agents/berth-agent-linux-x64.xz.sha256"]).toBe(
      `${sha256("fake x64 agent binary")}\n`,
    );
    expect(state.objects["berth-agents/berth-agent-linux-arm64.xz.sha256"]).toBe(
      `${sha256("fake arm64 agent binary")}\n`,
    );
    expect(state.deploys).toBe(1);
    // The deploy comes last, after the secrets and the agents.
    expect(calls.at(-1)?.argv[0]).toBe("deploy");
    for (const step of everyStep) expect(first.stdout).toMatch(new RegExp(`(→|✓) ${step}: `));

    // Second run: no inputs needed (they are in wrangler.toml and on the Worker); only the deploy.
    fake.clearLog();
    const second = setup([], baseEnv());
    expect(second.code, second.all).toBe(0);
    const again = fake.calls();
    expect(again.filter(mutating).map((c) => c.argv[0])).toEqual(["deploy"]);
    for (const step of everyStep.filter((s) => s !== "worker deploy")) {
      expect(second.stdout).toContain(`✓ ${step}: already done`);
    }
    expect(second.stdout).toContain("→ worker deploy: done");
    expect(readFileSync(toml, "utf8")).toBe(written);
    expect(fake.state().secrets).toEqual(state.secrets); // nothing rotated
    expect(fake.state().deploys).toBe(2);

    // A new x64 build: only its two objects are uploaded.
    writeAgent("x64", "fake x64 agent binary, v2");
    fake.clearLog();
    const third = setup([], baseEnv());
    expect(third.code, third.all).toBe(0);
    expect(named(fake.calls(), "r2 object put").map((c) => c.argv[3])).toEqual([
      "berth-agents/berth-agent-linux-x64.xz",
      "berth-agents/berth-agent-linux-x64.xz.sha256",
    ]);
  });

  it("reuses an existing database and bucket and keeps existing secrets", () => {
    fake.setState({
      ...fake.state(),
      workerExists: true,
      d1: [{ name: "berth", uuid: "11111111-2222-3333-4444-555555555555" }],
      buckets: ["berth-agents", "berth-snapshots"],
      secrets: { ENCRYPTION_KEY: "x", TERMINAL_SIGNING_KEY: "y", BETTER_AUTH_SECRET: "z" },
    });
    const run = setup([], baseEnv({ ...inputs, ...secretInputs }));
    expect(run.code, run.all).toBe(0);
    const calls = fake.calls();
    expect(named(calls, "d1 create")).toEqual([]);
    expect(named(calls, "r2 bucket create")).toEqual([]);
    expect(
      named(calls, "secret put")
        .map((c) => c.argv[2])
        .sort(),
      // A deployment set up before Web Push gets its VAPID key on the next run; the rest is kept.
    ).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "GITHUB_APP_PRIVATE_KEY",
      "GITHUB_CLIENT_SECRET",
      "HETZNER_TOKEN",
      "VAPID_PRIVATE_KEY",
    ]);
    expect(fake.state().secrets.ENCRYPTION_KEY).toBe("x");
    expect(readFileSync(toml, "utf8")).toContain('database_id = "11111111-2222-3333-4444-555555555555"');
  });

  it("fails before any change when a required input is missing (non-interactive)", () => {
    const before = readFileSync(toml, "utf8");
    const { CLOUDFLARE_ZONE_ID: _zone, ...someInputs } = inputs;
    const { HETZNER_TOKEN: _token, ...someSecrets } = secretInputs;
    const run = setup(["--non-interactive"], baseEnv({ ...someInputs, ...someSecrets }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("missing input (nothing was changed)");
    expect(run.stderr).toContain("CLOUDFLARE_ZONE_ID: pass --zone-id <value> or set $CLOUDFLARE_ZONE_ID");
    expect(run.stderr).toContain("HETZNER_TOKEN: set $HETZNER_TOKEN");
    expect(run.stderr).not.toContain("GITHUB_CLIENT_SECRET:");
    expect(fake.calls().filter(mutating)).toEqual([]);
    expect(readFileSync(toml, "utf8")).toBe(before);
  });

  it("rejects a malformed setting before any change", () => {
    const run = setup([], baseEnv({ ...inputs, ...secretInputs, WORKSPACE_DOMAIN: "https://ws.mine.dev" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("WORKSPACE_DOMAIN from $WORKSPACE_DOMAIN must be a bare hostname");
    expect(fake.calls().filter(mutating)).toEqual([]);
  });

  it("asks for what it does not have when interactive (answers never printed)", async () => {
    const appKeyFile = path.join(dir, "berth.private-key.pem");
    writeFileSync(appKeyFile, `${appKeyPem}\n`);
    const answers: Record<string, string> = {
      "Public URL": "https://berth.abc123.workers.dev",
      "Domain workspaces": "ws.mine.dev",
      "Cloudflare Zone ID": inputs.CLOUDFLARE_ZONE_ID,
      "GitHub App Client ID": inputs.GITHUB_CLIENT_ID,
      "GitHub App ID": inputs.GITHUB_APP_ID,
      "GitHub App URL name": inputs.GITHUB_APP_SLUG,
      "GitHub App client secret": secretInputs.GITHUB_CLIENT_SECRET,
      "Path to the GitHub App's private key": appKeyFile,
      "Hetzner Cloud API token": secretInputs.HETZNER_TOKEN,
      "Cloudflare API token": secretInputs.BERTH_CLOUDFLARE_API_TOKEN,
    };
    const asked: Array<{ question: string; hidden: boolean }> = [];
    const lines: string[] = [];
    const code = await runSetup({
      argv: ["--config", toml, "--skip-build", "--agent-dir", agentDir],
      env: baseEnv(),
      prompter: {
        ask: async (question, { hidden }) => {
          asked.push({ question, hidden });
          const key = Object.keys(answers).find((k) => question.startsWith(k));
          return key ? (answers[key] ?? "") : "";
        },
        close: () => {},
      },
      log: (line) => lines.push(line),
    });
    expect(code).toBe(0);
    expect(asked).toHaveLength(10);
    // The key's path is shown as typed; the secrets themselves are not.
    expect(asked.filter((a) => a.hidden)).toHaveLength(3);
    const output = lines.join("\n");
    for (const value of Object.values(secretInputs)) expect(output).not.toContain(value);
    expect(named(fake.calls(), "secret put")).toHaveLength(8);
    const keyPut = named(fake.calls(), "secret put GITHUB_APP_PRIVATE_KEY")[0];
    expect(keyPut?.stdin).toBe(appKeyPem);
    // A workers.dev URL needs no custom domain route.
    expect(readFileSync(toml, "utf8")).not.toContain("routes =");
  });
});
