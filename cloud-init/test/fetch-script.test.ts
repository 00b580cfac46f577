import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  agentBinaryPath,
  agentUnitPath,
  fetchAgentScriptPath,
  renderCloudInit,
  shellQuote,
} from "../src/index.ts";
import { typicalInput } from "./fixtures.ts";

const binary = Buffer.from("#!/bin/sh\necho berth-agent\n");
/** What is published and downloaded: the binary compressed with xz; the pin is its SHA-256. */
const download = spawnSync("xz", ["-c"], { input: binary }).stdout;
const binarySha = createHash("sha256").update(download).digest("hex");
const notXz = Buffer.from("plain bytes, not an archive\n");
const notXzSha = createHash("sha256").update(notXz).digest("hex");

let server: Server;
let base = "";
let hits = 0;
let failNext = 0;
let dir = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end("try again");
      return;
    }
    res
      .writeHead(200, { "content-type": "application/x-xz" })
      .end(req.url?.startsWith("/not-xz") ? notXz : download);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});
beforeEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = mkdtempSync(join(tmpdir(), "berth-fetch-"));
  hits = 0;
  failNext = 0;
});

/** The rendered script, extracted from the YAML, pointed at a temporary install path. */
function script(url: string, sha256: string): { path: string; dest: string } {
  const input = { ...typicalInput(), agent: { url, sha256 } };
  const cfg = parse(renderCloudInit(input)) as { write_files: Array<{ path: string; content: string }> };
  const content = cfg.write_files.find((f) => f.path === fetchAgentScriptPath)?.content ?? "";
  const dest = join(dir, "berth-agent");
  expect(content).toContain(`dest=${agentBinaryPath}\n`);
  const path = join(dir, "fetch-agent.sh");
  writeFileSync(path, content.replace(`dest=${agentBinaryPath}\n`, `dest=${dest}\n`), { mode: 0o755 });
  return { path, dest };
}

function run(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // INVOCATION_ID makes the script behave as under systemd (stderr only, no logger).
    const child = spawn(path, [], { cwd: dir, env: { PATH: process.env.PATH, INVOCATION_ID: "test" } });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("fetch-agent.sh, run for real", () => {
  it("downloads, verifies, decompresses and installs the binary; a second run keeps it without downloading", async () => {
    const { path, dest } = script(`${base}/berth-agent`, binarySha);
    const first = await run(path);
    expect(first.stderr).toContain("installed");
    expect(first.code).toBe(0);
    expect(readFileSync(dest)).toEqual(binary);
    expect(readFileSync(`${dest}.xz`)).toEqual(download);
    expect(readdirSync(dir).sort()).toEqual(["berth-agent", "berth-agent.xz", "fetch-agent.sh"]);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect(hits).toBe(1);
    expect((await run(path)).code).toBe(0);
    expect(hits).toBe(1);
  });

  it("refuses a download whose SHA-256 does not match, and leaves nothing behind", async () => {
    const wrong = "0".repeat(64);
    const { path, dest } = script(`${base}/berth-agent`, wrong);
    const r = await run(path);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SHA-256 mismatch .*expected 0{64}.*refusing to start/);
    expect(r.stderr).toContain("FAILED");
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["fetch-agent.sh"]);
  });

  it("refuses to start a tampered installed binary", async () => {
    const { path, dest } = script(`${base}/berth-agent`, binarySha);
    expect((await run(path)).code).toBe(0);
    writeFileSync(dest, "#!/bin/sh\necho evil\n");
    const r = await run(path);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SHA-256 mismatch for installed .*refusing to start/);
    expect(readFileSync(dest, "utf8")).toContain("evil");
  });

  it("refuses a verified download that is not an xz archive, and leaves nothing behind", async () => {
    const { path, dest } = script(`${base}/not-xz`, notXzSha);
    const r = await run(path);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not an xz archive.*refusing to start/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["fetch-agent.sh"]);
  });

  it("refuses an installed binary whose verified archive was swapped", async () => {
    const { path, dest } = script(`${base}/berth-agent`, binarySha);
    expect((await run(path)).code).toBe(0);
    writeFileSync(`${dest}.xz`, spawnSync("xz", ["-c"], { input: "#!/bin/sh\necho evil\n" }).stdout);
    const r = await run(path);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SHA-256 mismatch for installed .*refusing to start/);
  });

  it("retries a failing download", async () => {
    failNext = 1;
    const { path, dest } = script(`${base}/berth-agent`, binarySha);
    const r = await run(path);
    expect(r.code).toBe(0);
    expect(hits).toBe(2);
    expect(readFileSync(dest)).toEqual(binary);
  }, 20_000);

  it("passes a URL with shell metacharacters to curl literally", async () => {
    const { path, dest } = script(`${base}/a?x='$(touch${"$"}{IFS}pwned)'&y=\`id\`;z`, binarySha);
    const r = await run(path);
    expect(r.code).toBe(0);
    expect(existsSync(dest)).toBe(true);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
  });
});

describe("shellQuote", () => {
  it.each(["plain", "it's", "'", "''", '$(id) `id` $HOME \\ " ; | & *', "new\nline"])(
    "%j survives sh",
    (s) => {
      const r = spawnSync("sh", ["-c", `printf %s ${shellQuote(s)}`], { encoding: "utf8" });
      expect(r.stdout).toBe(s);
    },
  );
});

describe("systemd unit", () => {
  const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).stdout.toString().trim();
  it.skipIf(analyze === "")(
    "passes systemd-analyze verify (apart from binaries absent on this machine)",
    () => {
      const cfg = parse(renderCloudInit(typicalInput())) as {
        write_files: Array<{ path: string; content: string }>;
      };
      const unit = join(dir, "berth-agent.service");
      writeFileSync(unit, cfg.write_files.find((f) => f.path === agentUnitPath)?.content ?? "");
      const r = spawnSync(analyze, ["verify", unit], { encoding: "utf8" });
      const problems = `${r.stdout}${r.stderr}`
        .split("\n")
        .filter((l) => l.trim() !== "" && !/is not executable: No such file or directory/.test(l));
      expect(problems).toEqual([]);
    },
  );
});
