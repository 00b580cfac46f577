import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ZONE, type LocalCloud } from "../src/index.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

// End to end through production pieces: the real cloud-init renderer's user_data, booted by the
// simulator, reached through the edge by hostname; and (when built) the real berth-agent binary.
const RENDER = fileURLToPath(new URL("../../cloud-init/src/render.ts", import.meta.url));
/** The download VMs get: the compiled agent compressed (vm-agent: scripts/build.ts --compress). */
const REAL_AGENT = fileURLToPath(new URL("../../vm-agent/dist/berth-agent-linux-x64.xz", import.meta.url));

const FAKE_AGENT = `
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
const cfg = JSON.parse(readFileSync(process.argv[process.argv.indexOf("--config") + 1], "utf8"));
createServer((req, res) => res.end(JSON.stringify({ ws: cfg.workspace_id, host: req.headers.host, xfp: req.headers["x-forwarded-proto"] })))
  .listen(cfg.listen.port, cfg.listen.host);
`;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  cleanup.push(() => {
    s.closeAllConnections();
    return new Promise((r) => s.close(r));
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function httpGet(
  port: number,
  host: string,
  path = "/",
  ip = "127.0.0.1",
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, headers: { host }, agent: false }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function until<T>(
  what: string,
  f: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Setup {
  cloud: LocalCloud;
  root: string;
  lines: string[];
  port: number;
}

async function setup(): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), "berth-vm-real-"));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const lines: string[] = [];
  const port = await freePort();
  const cloud = await startEphemeral({
    hetznerBootMs: 0,
    vms: { rootDir: join(root, "vms"), log: (l) => lines.push(l), restartMs: 500 },
    edgePort: 0,
    agentPort: port,
  });
  cleanup.push(() => cloud.stop());
  return { cloud, root, lines, port };
}

function agentConfig(id: string, port: number, controlPlane: string, repo: string) {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    workspace_id: id,
    hostname: `${id}.localhost`,
    control_plane_url: controlPlane,
    bootstrap_token: "b".repeat(32),
    terminal_token_public_key: publicKey.export({ format: "jwk" }),
    repo_url: repo,
    branch: null,
    idle_timeout_seconds: 1800,
    idle_grace_seconds: 60,
    max_lifetime_seconds: 3600,
    heartbeat_interval_seconds: 60,
    listen: { host: "127.0.0.1", port },
    data_dir: "/var/lib/berth",
  };
}

async function boot(s: Setup, id: string, userData: string): Promise<{ serverId: number; ip: string }> {
  const res = await hetzner(s.cloud)("POST", "/servers", serverBody(id, { user_data: userData }));
  expect(res.status).toBe(201);
  const ip = res.json.server.public_net.ipv4.ip as string;
  // What the control plane does: the name and its wildcard, pointing at the server.
  for (const name of [`${id}.localhost`, `*.${id}.localhost`])
    s.cloud.cloudflare.create(DEFAULT_ZONE, {
      name,
      type: "A",
      content: ip,
      ttl: 1,
      proxied: false,
      comment: id,
      tags: [],
    });
  return { serverId: res.json.server.id, ip };
}

describe.skipIf(!existsSync(RENDER))("simulator + edge with real cloud-init user_data", () => {
  it("boots the fake agent from renderCloudInit output and reaches it by hostname through the edge", async () => {
    const { renderCloudInit } = await import(/* @vite-ignore */ RENDER);
    const s = await setup();
    const dir = await mkdtemp(join(tmpdir(), "berth-fake-bin-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "a.mjs"), FAKE_AGENT);
    const bin = execFileSync("xz", ["-c"], {
      input: Buffer.from(`#!/bin/sh\nexec '${process.execPath}' '${join(dir, "a.mjs")}' "$@"\n`),
    });
    const url = `${await serve((_q, r) => r.end(bin))}/agent/linux-x64`;
    const id = `real${process.pid}`;
    const userData = renderCloudInit({
      agentConfig: agentConfig(id, s.port, "http://127.0.0.1:9/", "https://example.invalid/r.git"),
      agent: { url, sha256: createHash("sha256").update(bin).digest("hex") },
      caddyfile: `${id}.localhost {\n}\n`,
    });
    await boot(s, id, userData);
    const edgePort = Number(new URL(s.cloud.urls.edge as string).port);
    const res = await until(
      "answer through the edge",
      async () => {
        const r = await httpGet(edgePort, `${id}.localhost:${edgePort}`);
        return r.status === 200 && r;
      },
      10_000,
    );
    expect(JSON.parse(res.text)).toEqual({ ws: id, host: `${id}.localhost:${edgePort}`, xfp: "http" });
  });
});

describe.skipIf(!existsSync(REAL_AGENT) || !existsSync(RENDER))("the real berth-agent binary", () => {
  it("downloads, verifies, bootstraps against a stand-in control plane and answers through the edge", async () => {
    const { renderCloudInit } = await import(/* @vite-ignore */ RENDER);
    const s = await setup();
    const calls: string[] = [];
    const controlPlane = await serve((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      req.resume();
      res.setHeader("content-type", "application/json");
      if (req.url?.endsWith("/bootstrap"))
        res.end(JSON.stringify({ callback_token: "c".repeat(32), claude_api_key: null }));
      else res.end("{}");
    });
    // Hash first, then serve the same bytes: a concurrent rebuild cannot slip in between unnoticed.
    const binary = readFileSync(REAL_AGENT);
    const sha256 = createHash("sha256").update(binary).digest("hex");
    const artifacts = await serve((_q, r) => r.end(binary));
    const repo = join(s.root, "repo");
    execFileSync("git", ["init", "-q", repo]);
    execFileSync("git", [
      "-C",
      repo,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@t",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "init",
    ]);
    const id = `agent${process.pid}`;
    const userData = renderCloudInit({
      agentConfig: agentConfig(id, s.port, controlPlane, repo),
      agent: { url: `${artifacts}/agent/linux-x64`, sha256 },
      caddyfile: `${id}.localhost {\n}\n`,
    });
    const { ip } = await boot(s, id, userData);
    await until("the agent's ready callback", () => calls.some((c) => c.endsWith("/ready")), 45_000);
    expect(calls[0]).toBe(`POST /api/vm/workspaces/${id}/bootstrap`);
    const direct = await httpGet(s.port, `${ip}:${s.port}`, "/status", ip);
    expect(direct.status).toBe(200);
    // Through the edge the agent wants a terminal token: proof that the request reached it.
    const edgePort = Number(new URL(s.cloud.urls.edge as string).port);
    const viaEdge = await httpGet(edgePort, `${id}.localhost:${edgePort}`);
    expect(viaEdge.status).toBe(401);
    expect(viaEdge.text).toContain("Berth dashboard");
  }, 60_000);
});
