import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Document } from "yaml";
import type { LocalCloud, VmInfo } from "../src/index.ts";
import { parseFetchAgentScript, parseUserData } from "../src/vm/user-data.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

// The "berth-agent" here is a shell script that runs a tiny Node HTTP server on the config's
// listen address, so these tests do not depend on the real agent build. It also starts a `sleep`
// child, to show that signals reach the whole process group.
const FAKE_AGENT = `
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
const cfgPath = process.argv[process.argv.indexOf("--config") + 1];
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const once = process.env.FAKE_AGENT_EXIT_ONCE;
if (once && !existsSync(once)) { writeFileSync(once, "x"); console.error("fake agent: exiting once"); process.exit(3); }
const sleeper = spawn("sleep", ["300"], { stdio: "ignore" });
createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ cfg, home: process.env.HOME, pid: process.pid, sleeper: sleeper.pid, host: req.headers.host }));
}).listen(cfg.listen.port, cfg.listen.host, () => console.log("fake agent listening on " + cfg.listen.host + ":" + cfg.listen.port));
`;

const shellQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

interface Fixture {
  cloud: LocalCloud;
  api: ReturnType<typeof hetzner>;
  lines: string[];
  root: string;
  agentUrl: string;
  sha256: string;
  port: number;
  downloads: () => number;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function setup(opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), "berth-vm-test-"));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const script = join(root, "fake-agent.mjs");
  await writeFile(script, FAKE_AGENT);
  const binary = Buffer.from(`#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(script)} "$@"\n`);
  // Published and downloaded compressed, as the real agent is; the pin is the archive's SHA-256.
  const archive = execFileSync("xz", ["-c"], { input: binary });
  let downloads = 0;
  const artifacts = createServer((req, res) => {
    if (req.url === "/hang") return; // never answers: the download must time out
    downloads++;
    res.end(archive);
  });
  artifacts.listen(0, "127.0.0.1");
  await once(artifacts, "listening");
  cleanup.push(() => {
    artifacts.closeAllConnections();
    return new Promise((r) => artifacts.close(r));
  });
  const lines: string[] = [];
  const cloud = await startEphemeral({
    hetznerBootMs: 0,
    vms: {
      rootDir: join(root, "vms"),
      log: (l) => lines.push(l),
      env: opts.env ?? {},
      download: { timeoutMs: opts.timeoutMs ?? 5000, attempts: 2, retryDelayMs: 50 },
      restartMs: 200,
    },
  });
  cleanup.push(() => cloud.stop());
  return {
    cloud,
    api: hetzner(cloud),
    lines,
    root,
    agentUrl: `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}/agent`,
    sha256: createHash("sha256").update(archive).digest("hex"),
    port: await freePort(),
    downloads: () => downloads,
  };
}

/** user_data shaped like cloud-init/src/render.ts renders it (YAML 1.1, same write_files). */
function userData(f: Fixture, agent: { url?: string; sha256?: string } = {}): string {
  const config = {
    workspace_id: "ws1",
    hostname: "ws1.localhost",
    control_plane_url: "http://127.0.0.1:9/",
    bootstrap_token: "x".repeat(32),
    listen: { host: "127.0.0.1", port: f.port },
    data_dir: "/var/lib/berth",
  };
  const fetchScript = `#!/bin/sh\nset -eu\nurl=${shellQuote(agent.url ?? f.agentUrl)}\nsha256=${shellQuote(agent.sha256 ?? f.sha256)}\ndest=/usr/local/bin/berth-agent\n`;
  const doc = new Document(
    {
      package_update: true,
      write_files: [
        { path: "/etc/berth/agent.json", permissions: "0600", content: JSON.stringify(config, null, 2) },
        { path: "/usr/local/lib/berth/fetch-agent.sh", permissions: "0755", content: fetchScript },
        { path: "/etc/systemd/system/berth-agent.service", permissions: "0644", content: "[Unit]\n" },
        { path: "/etc/caddy/Caddyfile", permissions: "0644", content: "ws1.localhost {\n}\n", defer: true },
      ],
      runcmd: [["/usr/local/lib/berth/fetch-agent.sh"]],
    },
    { version: "1.1" },
  );
  return `#cloud-config\n${doc.toString({ lineWidth: 0 })}`;
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET on the agent; null when it does not answer within `ms`. */
function probe(ip: string, port: number, ms = 1000): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: "/", timeout: ms, agent: false }, (res) => {
      let t = "";
      res.on("data", (d: Buffer) => {
        t += d;
      });
      res.on("end", () => resolve(JSON.parse(t)));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
    req.end();
  });
}

async function waitAnswering(ip: string, port: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const r = await probe(ip, port);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`agent at ${ip}:${port} never answered`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** False for gone processes and zombies (a container's PID 1 may never reap orphans). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function create(f: Fixture, data: string | null, name = "ws1"): Promise<{ id: number; ip: string }> {
  const res = await f.api("POST", "/servers", serverBody(name, data === null ? {} : { user_data: data }));
  expect(res.status).toBe(201);
  return { id: res.json.server.id, ip: res.json.server.public_net.ipv4.ip };
}

const vm = (f: Fixture, id: number): VmInfo | undefined => f.cloud.vms?.vm(id);
const status = async (f: Fixture, id: number) => (await f.api("GET", `/servers/${id}`)).json.server?.status;

describe("VM simulator", () => {
  it("boots a created server: write_files on its disk, agent verified, rewritten config, answering on its IP", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    expect(ip).toMatch(/^127\.0\.10\.\d+$/);
    const seen = await waitAnswering(ip, f.port);
    const dir = join(f.root, "vms", String(id));
    expect(seen.home).toBe(join(dir, "root"));
    expect(seen.cfg).toMatchObject({
      workspace_id: "ws1",
      listen: { host: ip, port: f.port },
      data_dir: join(dir, "var/lib/berth"),
    });
    expect(statSync(join(dir, "etc/berth/agent.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "usr/local/lib/berth/fetch-agent.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, "usr/local/bin/berth-agent")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, "etc/caddy/Caddyfile"), "utf8")).toContain("ws1.localhost");
    expect(vm(f, id)).toMatchObject({
      state: "running",
      ip,
      network: "up",
      agentUrl: `http://${ip}:${f.port}`,
    });
    expect(await status(f, id)).toBe("running");
    await until("agent.log", () =>
      readFileSync(join(dir, "agent.log"), "utf8").includes("fake agent listening"),
    );
    expect(f.lines.some((l) => l.includes("fake agent listening"))).toBe(true);
  });

  it("refuses an agent whose SHA-256 does not match, and says why", async () => {
    const f = await setup();
    const { id } = await create(f, userData(f, { sha256: "0".repeat(64) }));
    const info = await until("failure", () => vm(f, id)?.state === "failed" && vm(f, id));
    expect(info.error).toContain("SHA-256 mismatch");
    expect(f.lines.some((l) => l.includes("boot failed") && l.includes("refusing to start"))).toBe(true);
    expect(info.pid).toBeNull();
    expect(existsSync(join(info.dir, "usr/local/bin/berth-agent"))).toBe(false);
    expect(await probe(info.ip, f.port, 300)).toBeNull();
  });

  it("times out a download that never completes, and logs it", async () => {
    const f = await setup({ timeoutMs: 200 });
    const { id } = await create(f, userData(f, { url: f.agentUrl.replace("/agent", "/hang") }));
    const info = await until("failure", () => vm(f, id)?.state === "failed" && vm(f, id), 5000);
    expect(info.error).toMatch(/download failed after 2 attempt\(s\).*timed out after 200 ms/);
  });

  it("deletes: kills the agent's process group and removes the disk", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const seen = await waitAnswering(ip, f.port);
    const dir = join(f.root, "vms", String(id));
    expect(alive(seen.pid as number) && alive(seen.sleeper as number)).toBe(true);
    expect((await f.api("DELETE", `/servers/${id}`)).status).toBe(200);
    await until("disk removed", () => !existsSync(dir));
    await until("processes gone", () => !alive(seen.pid as number) && !alive(seen.sleeper as number));
    expect(vm(f, id)).toBeUndefined();
  });

  it("crash kills the agent but the API still says running; power on boots it again", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const seen = await waitAnswering(ip, f.port);
    expect(await f.cloud.vms?.crash(id)).toBe(true);
    await until("processes gone", () => !alive(seen.pid as number) && !alive(seen.sleeper as number));
    expect(vm(f, id)).toMatchObject({ state: "crashed", pid: null });
    expect(await status(f, id)).toBe("running");
    expect(await probe(ip, f.port, 300)).toBeNull();
    await f.cloud.vms?.powerOn(id);
    expect((await waitAnswering(ip, f.port)).pid).not.toBe(seen.pid);
    expect(f.downloads()).toBe(1); // booted from its disk
  });

  it("power off stops the agent and the server reads off", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const seen = await waitAnswering(ip, f.port);
    await f.cloud.vms?.powerOff(id);
    expect(await status(f, id)).toBe("off");
    expect(vm(f, id)?.state).toBe("off");
    expect(alive(seen.pid as number)).toBe(false);
    expect(await probe(ip, f.port, 300)).toBeNull();
  });

  it("network cut freezes the agent (no answers) until restored", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const seen = await waitAnswering(ip, f.port);
    expect(f.cloud.vms?.cutNetwork(id)).toBe(true);
    expect(vm(f, id)?.network).toBe("cut");
    expect(await probe(ip, f.port, 400)).toBeNull();
    expect(alive(seen.pid as number)).toBe(true);
    f.cloud.vms?.restoreNetwork(id);
    expect((await waitAnswering(ip, f.port)).pid).toBe(seen.pid);
  });

  it("restarts an agent that exits on its own (Restart=always), re-verifying it", async () => {
    const marker = join(tmpdir(), `berth-exit-once-${process.pid}-${Date.now()}`);
    cleanup.push(() => rm(marker, { force: true }));
    const f = await setup({ env: { FAKE_AGENT_EXIT_ONCE: marker } });
    const { id, ip } = await create(f, userData(f));
    await waitAnswering(ip, f.port);
    expect(vm(f, id)?.restarts).toBe(1);
    expect(f.lines.some((l) => l.includes("agent exited (code 3); restarting"))).toBe(true);
  });

  it("follows power actions sent through the Hetzner API", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const first = await waitAnswering(ip, f.port);
    expect((await f.api("POST", `/servers/${id}/actions/poweroff`)).status).toBe(201);
    await until("agent stopped", () => vm(f, id)?.state === "off" && !alive(first.pid as number));
    expect(await status(f, id)).toBe("off");
    await f.api("POST", `/servers/${id}/actions/poweron`);
    const second = await waitAnswering(ip, f.port);
    await f.api("POST", `/servers/${id}/actions/reset`);
    await until("a new agent", async () => !alive(second.pid as number));
    expect((await waitAnswering(ip, f.port)).pid).not.toBe(second.pid);
    expect(await status(f, id)).toBe("running");
  });

  it("after a reset, a server reusing the id, disk path and IP boots cleanly", async () => {
    const f = await setup();
    const a = await create(f, userData(f));
    const old = await waitAnswering(a.ip, f.port);
    await fetch(`${new URL(f.cloud.urls.hetzner).origin}/__berth/reset`, { method: "POST" });
    const b = await create(f, userData(f));
    expect(b).toEqual(a);
    const seen = await waitAnswering(b.ip, f.port);
    expect(seen.pid).not.toBe(old.pid);
    expect(existsSync(join(f.root, "vms", String(b.id), "etc/berth/agent.json"))).toBe(true);
  });

  it("boots a server without user_data as a machine with nothing to run", async () => {
    const f = await setup();
    const { id } = await create(f, null);
    await until("no-agent", () => vm(f, id)?.state === "no-agent");
    expect(await status(f, id)).toBe("running");
  });

  it("serves control endpoints on the Hetzner port; reset stops every VM", async () => {
    const f = await setup();
    const { id, ip } = await create(f, userData(f));
    const seen = await waitAnswering(ip, f.port);
    const base = `${new URL(f.cloud.urls.hetzner).origin}/__berth`;
    const list = (await (await fetch(`${base}/vms`)).json()) as VmInfo[];
    expect(list).toMatchObject([{ id, ip, state: "running" }]);
    const cut = await fetch(`${base}/vms/${id}/network-cut`, { method: "POST" });
    expect(((await cut.json()) as VmInfo).network).toBe("cut");
    await fetch(`${base}/vms/${id}/network-restore`, { method: "POST" });
    const crash = await fetch(`${base}/vms/${id}/crash`, { method: "POST" });
    expect(((await crash.json()) as VmInfo).state).toBe("crashed");
    await fetch(`${base}/vms/${id}/poweron`, { method: "POST" });
    await waitAnswering(ip, f.port);
    const off = await fetch(`${base}/vms/${id}/poweroff`, { method: "POST" });
    expect(((await off.json()) as VmInfo).state).toBe("off");
    expect((await fetch(`${base}/vms/999/crash`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${base}/vms/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/requests`)).status).toBe(200); // the service's own endpoints still answer
    await fetch(`${base}/reset`, { method: "POST" });
    await until(
      "reset removes VMs",
      () => f.cloud.vms?.vms().length === 0 && !existsSync(join(f.root, "vms", String(id))),
    );
    expect(alive(seen.pid as number)).toBe(false);
  });
});

describe("user_data parsing", () => {
  it("reads url and sha256 from the fetch script, with shell quoting", () => {
    const script = `#!/bin/sh\nurl='http://h/a?b=1&c='\\''d'\\'''\nsha256='${"AB".repeat(32)}'\n`;
    expect(parseFetchAgentScript(script)).toEqual({ url: "http://h/a?b=1&c='d'", sha256: "ab".repeat(32) });
    expect(() => parseFetchAgentScript("url=$(curl evil)\nsha256=x\n")).toThrow(/url=/);
  });

  it("decodes encodings and YAML 1.1 octal permissions, deferred files last", () => {
    const plan = parseUserData(
      "#cloud-config\nwrite_files:\n- {path: /b, content: aGk=, encoding: b64, defer: true}\n- {path: /a, content: x, permissions: 0640}\n",
    );
    expect(plan.writeFiles.map((w) => [w.path, w.content.toString(), w.mode])).toEqual([
      ["/a", "x", 0o640],
      ["/b", "hi", null],
    ]);
    expect(plan.agent).toBeNull();
    expect(() => parseUserData("#!/bin/sh\n")).toThrow(/#cloud-config/);
  });
});
