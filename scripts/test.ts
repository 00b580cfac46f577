// Runs every suite in turn and ends with one line: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

import { existsSync } from "node:fs";
import { bridgeNetworks, type DockerEngine, ensureDockerEngine } from "./lib/docker-engine.ts";
import { ensureVmImage } from "./lib/vm-image.ts";
import { ensureWorkspaceImage } from "./lib/workspace-image.ts";

/** A package's own node_modules/.bin first, then the root's. */
const bin = (name: string, pkg = ".") =>
  [path.join(root, pkg, "node_modules/.bin", name), path.join(root, "node_modules/.bin", name)].find((p) =>
    existsSync(p),
  ) ?? name;
const reports = mkdtempSync(path.join(tmpdir(), "berth-test-"));

interface Step {
  name: string;
  cwd: string;
  command: string[];
  /** Runs in this process instead of a command; false is a failure. */
  run?: () => Promise<boolean>;
  env?: Record<string, string>;
  /** Reads passed/failed counts from the runner's machine-readable report. */
  counts?: () => { passed: number; failed: number };
}

function vitestStep(pkg: string): Step {
  const report = path.join(reports, `${pkg}.json`);
  return {
    name: `${pkg} (vitest)`,
    cwd: path.join(root, pkg),
    command: [
      bin("vitest", pkg),
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
    ],
    counts: () => {
      const r = JSON.parse(readFileSync(report, "utf8")) as {
        numPassedTests: number;
        numFailedTests: number;
      };
      return { passed: r.numPassedTests, failed: r.numFailedTests };
    },
  };
}

function bunStep(pkg: string): Step {
  const report = path.join(reports, `${pkg}.xml`);
  return {
    name: `${pkg} (bun test)`,
    cwd: path.join(root, pkg),
    command: [bin("bun", pkg), "test", "--reporter=junit", `--reporter-outfile=${report}`],
    counts: () => {
      const xml = readFileSync(report, "utf8");
      const head = /<testsuites[^>]*>/.exec(xml)?.[0] ?? "";
      const attr = (n: string) => Number(new RegExp(`${n}="(\\d+)"`).exec(head)?.[1] ?? 0);
      const failed = attr("failures") + attr("errors");
      return { passed: attr("tests") - failed - attr("skipped"), failed };
    },
  };
}

const only = process.argv.slice(2);
const steps: Step[] = [
  { name: "lint + format (biome)", cwd: root, command: [bin("biome"), "check", "--error-on-warnings", "."] },
  ...["protocol", "cloud-init", "local-cloud", "workers", "vm-agent", "pages", "deploy", "e2e"].map(
    (pkg) => ({
      name: `typecheck ${pkg}`,
      cwd: path.join(root, pkg),
      command: [bin("tsc"), "-p", "."],
    }),
  ),
  // The systemd VM tests (local-cloud) boot the real compiled agent and download its .xz: build
  // both first (the .xz is reused while the binary is unchanged).
  {
    name: "build berth-agent (x64)",
    cwd: path.join(root, "vm-agent"),
    command: [bin("bun", "vm-agent"), "run", "scripts/build.ts", "--target", "x64", "--compress"],
  },
  // Every benchmark figure is produced (finite numbers); how fast is not asserted.
  {
    name: "bench quick (every terminal benchmark figure is produced)",
    cwd: path.join(root, "bench"),
    command: [bin("bun", "bench"), "terminal.ts", "quick"],
  },
  {
    name: "bench quick snapshot (every snapshot figure is produced)",
    cwd: path.join(root, "bench"),
    command: [bin("bun", "bench"), "snapshot.ts", "quick"],
  },
  // Local mode's devcontainers: the project's Docker engine and the workspace image it runs.
  {
    name: "workspace image (Docker engine, debootstrap, Node 22, Claude Code; and the Berth VM image)",
    cwd: root,
    command: [],
    run: async () => {
      const dockerHost = (await engine()).host;
      const image = await ensureWorkspaceImage({ root, dockerHost, log: console.log });
      // For vm-agent's real devcontainer tests (under names no other test reads).
      process.env.BERTH_TEST_DOCKER_HOST = dockerHost;
      process.env.BERTH_WORKSPACE_IMAGE = image.tag;
      console.log(
        `workspace image ${image.tag}: ${image.built ? "built" : "cached"} in ${image.seconds.toFixed(1)} s`,
      );
      // Local servers that boot like Hetzner VMs (images/berth-vm, on the same Debian base).
      const vmImage = await ensureVmImage({ root, dockerHost, log: console.log });
      process.env.BERTH_VM_IMAGE = vmImage.tag;
      console.log(
        `VM image ${vmImage.tag}: ${vmImage.built ? "built" : "cached"} in ${vmImage.seconds.toFixed(1)} s`,
      );
      const bridges = bridgeNetworks(dockerHost);
      if (bridges.length > 0)
        console.error(`the engine has bridge networks (${bridges.join(", ")}): it must have none`);
      return bridges.length === 0;
    },
  },
  vitestStep("cloud-init"),
  vitestStep("local-cloud"),
  vitestStep("workers"),
  {
    // The document the Worker serves, as checked in (the workers suite fails when it is stale).
    name: "workers openapi lint (redocly)",
    cwd: path.join(root, "workers"),
    command: [bin("redocly"), "lint", "openapi.json", "--config", "redocly.yaml"],
    // Offline: no usage telemetry, no update check.
    env: { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  },
  bunStep("vm-agent"),
  vitestStep("pages"),
  vitestStep("deploy"),
  {
    name: "dev smoke (the README's first command: sign in, API key, /api/me)",
    cwd: root,
    command: [process.execPath, "scripts/dev.ts", "--smoke"],
  },
  { ...vitestStep("e2e"), name: "e2e (the whole local system in Chromium)" },
].filter((s) => only.length === 0 || only.some((o) => s.name.startsWith(o)));

// Started once, when a step first needs it (a dockerd already answering is reused), and stopped
// at the end: the e2e's `scripts/dev.ts` finds it running.
const docker: { engine: DockerEngine | null } = { engine: null };
async function engine(): Promise<DockerEngine> {
  docker.engine ??= await ensureDockerEngine(root);
  return docker.engine;
}
if (steps.some((s) => s.name.startsWith("e2e"))) {
  // A failure here shows in the steps that need the engine; the others still run.
  await engine().catch((err: unknown) => console.error(`Docker engine: ${String(err)}`));
}

async function runInProcess(run: () => Promise<boolean>): Promise<boolean> {
  try {
    return await run();
  } catch (err) {
    console.error(String(err));
    return false;
  }
}

let passed = 0;
let failed = 0;
const failures: string[] = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}`);
  const started = Date.now();
  const result = step.run
    ? { status: (await runInProcess(step.run)) ? 0 : 1 }
    : spawnSync(step.command[0] ?? "", step.command.slice(1), {
        cwd: step.cwd,
        stdio: "inherit",
        env: { ...process.env, ...step.env },
      });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let counts = { passed: 0, failed: 0 };
  try {
    counts = step.counts?.() ?? counts;
  } catch {
    // No report means the runner died before writing one; the exit code below says so.
  }
  if (result.status !== 0) {
    failures.push(step.name);
    if (counts.failed === 0) counts.failed = 1;
  }
  passed += counts.passed;
  failed += counts.failed;
  console.log(`=== ${step.name}: ${result.status === 0 ? "ok" : "FAILED"} in ${seconds}s`);
}

await docker.engine?.stop();
if (failures.length > 0) console.log(`\nFailed: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 ? 1 : 0);
