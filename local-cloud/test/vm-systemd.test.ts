// Servers that boot like Hetzner VMs: a systemd container of the Berth VM image, real cloud-init
// from a NoCloud seed holding the user_data, real units, the VM's own Caddy behind the edge.
// Needs the project's Docker engine and the image (scripts/test.ts sets both), and the compiled
// agent (vm-agent: scripts/build.ts --compress).
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type RequestListener, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ZONE, type LocalCloud } from "../src/index.ts";
import { ownerKey } from "../src/vm/systemd-machine.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

const CLOUD_INIT = fileURLToPath(new URL("../../cloud-init/src/index.ts", import.meta.url));
const REAL_AGENT = fileURLToPath(new URL("../../vm-agent/dist/berth-agent-linux-x64.xz", import.meta.url));
const dockerHost = process.env.BERTH_TEST_DOCKER_HOST;
const image = process.env.BERTH_VM_IMAGE;
const workspaceImage = process.env.BERTH_WORKSPACE_IMAGE;
const ready = !!dockerHost && !!image && existsSync(REAL_AGENT);

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(handler: RequestListener): Promise<string> {
  const s = createServer(handler);
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  cleanup.push(() => {
    s.closeAllConnections();
    return new Promise((r) => s.close(r));
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A repository served over git's dumb HTTP protocol (static files of a bare repo). */
async function gitRepo(root: string): Promise<string> {
  const work = join(root, "work");
  execFileSync("git", ["init", "-q", "-b", "main", work]);
  execFileSync("sh", ["-c", 'echo "# demo" > README.md', "sh"], { cwd: work });
  execFileSync("git", ["-C", work, "add", "."]);
  execFileSync("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]);
  const bare = join(root, "demo.git");
  execFileSync("git", ["clone", "-q", "--bare", work, bare]);
  execFileSync("git", ["-C", bare, "update-server-info"]);
  const origin = await serve((req, res) => {
    const file = join(
      bare,
      decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/").replace(/^\/demo\.git/, ""),
    );
    if (!file.startsWith(bare) || !existsSync(file)) return void res.writeHead(404).end();
    res.end(readFileSync(file));
  });
  return `${origin}/demo.git`;
}

function httpGet(
  port: number,
  host: string,
  path = "/",
): Promise<{ status: number; text: string; server: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host }, agent: false }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, server: String(res.headers.server) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function docker(args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: "utf8" });
}

interface Booted {
  cloud: LocalCloud;
  root: string;
  calls: Array<{ path: string; body: string }>;
  lines: string[];
  id: string;
  serverId: number;
  startedAt: number;
}

/** The stand-ins with systemd VMs in a temporary directory, and the VMs' log lines. */
async function startCloud(): Promise<{ cloud: LocalCloud; root: string; lines: string[] }> {
  const root = await mkdtemp(join(tmpdir(), "berth-vm-systemd-"));
  const lines: string[] = [];
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const cloud = await startEphemeral({
    hetznerBootMs: 0,
    // A VM binds its address on this machine: not the dev system's 127.0.10.N (an e2e may be
    // running), nor another test process's.
    hetznerIpBase: `127.${1 + (process.pid % 250)}.10.0`,
    vms: {
      rootDir: join(root, "vms"),
      systemd: {
        image: image as string,
        dockerHost: dockerHost as string,
        ...(workspaceImage ? { defaultImage: workspaceImage } : {}),
      },
      log: (l) => lines.push(l),
    },
    edgePort: 0,
  });
  cleanup.push(() => cloud.stop());
  return { cloud, root, lines };
}

/** stock: the user_data for a stock image (package installs, npm), as when there is no Berth image. */
/** A cloud-init that fails before it installs the agent's unit: only the config, then a runcmd that fails. */
function failingCloudInit(config: {
  workspace_id: string;
  control_plane_url: string;
  bootstrap_token: string;
}) {
  return `#cloud-config
write_files:
  - path: /etc/berth/agent.json
    permissions: "0600"
    content: ${JSON.stringify(JSON.stringify(config))}
runcmd:
  - [sh, -c, "echo 'cannot install the agent unit' >&2; exit 3"]
`;
}

async function bootWorkspace(
  opts: { sha256?: string; stock?: boolean; failingCloudInit?: boolean } = {},
): Promise<Booted> {
  const { renderCaddyfile, renderCloudInit } = await import(/* @vite-ignore */ CLOUD_INIT);
  const { cloud, root, lines } = await startCloud();
  const calls: Booted["calls"] = [];
  const controlPlane = await serve((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d;
    });
    req.on("end", () => {
      calls.push({ path: req.url ?? "", body });
      res.setHeader("content-type", "application/json");
      if (req.url?.endsWith("/bootstrap"))
        res.end(JSON.stringify({ callback_token: "c".repeat(32), claude_api_key: null }));
      else res.end("{}");
    });
  });
  const binary = readFileSync(REAL_AGENT);
  const artifacts = await serve((_q, r) => r.end(binary));
  const id = `sd${process.pid}${Math.floor(Math.random() * 1000)}`;
  const hostname = `${id}.localhost`;
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const userData = opts.failingCloudInit
    ? failingCloudInit({ workspace_id: id, control_plane_url: controlPlane, bootstrap_token: "b".repeat(32) })
    : renderCloudInit({
        agentConfig: {
          workspace_id: id,
          hostname,
          control_plane_url: controlPlane,
          bootstrap_token: "b".repeat(32),
          terminal_token_public_key: publicKey.export({ format: "jwk" }),
          repo_url: await gitRepo(root),
          branch: null,
          idle_timeout_seconds: 1800,
          idle_grace_seconds: 60,
          max_lifetime_seconds: 3600,
          heartbeat_interval_seconds: 60,
          listen: { host: "127.0.0.1", port: 7681 },
          data_dir: "/var/lib/berth",
        },
        agent: {
          url: `${artifacts}/agent/linux-x64`,
          sha256: opts.sha256 ?? createHash("sha256").update(binary).digest("hex"),
        },
        // As the control plane renders it, with local mode's issuer (no public CA here).
        caddyfile: renderCaddyfile({
          hostname,
          agentPort: 7681,
          issuer: "internal",
          askUrl: "http://127.0.0.1:7681/caddy/ask",
        }),
        image: opts.stock ? "stock" : "berth",
      });
  const startedAt = Date.now();
  const res = await hetzner(cloud)("POST", "/servers", serverBody(id, { user_data: userData }));
  expect(res.status).toBe(201);
  const ip = res.json.server.public_net.ipv4.ip as string;
  for (const name of [hostname, `*.${hostname}`])
    cloud.cloudflare.create(DEFAULT_ZONE, {
      name,
      type: "A",
      content: ip,
      ttl: 1,
      proxied: false,
      comment: id,
      tags: [],
    });
  return { cloud, root, calls, lines, id, serverId: res.json.server.id, startedAt };
}

/** The agent's boot timeline marks (progress lines with step "timeline"), from the create on. */
function printTimeline(b: Booted): void {
  for (const c of b.calls) {
    if (!c.body.includes('"timeline"')) continue;
    const p = JSON.parse(c.body) as { at?: string; message?: string };
    const at = p.at ? `+${((Date.parse(p.at) - b.startedAt) / 1000).toFixed(1)} s` : "";
    console.log(`  ${at} ${p.message ?? c.body}`);
  }
}

/** The VM's container (its id, or "" when there is none). */
const vmContainers = (b: Booted) =>
  docker(["ps", "-aq", "--filter", `name=^berth-vm-${ownerKey(join(b.root, "vms"))}-${b.serverId}$`]).trim();

/** Devcontainers the VM made through its Docker socket. */
const devcontainers = (b: Booted) =>
  docker(["ps", "-aq", "--filter", `label=berth.vm=${ownerKey(join(b.root, "vms"))}-${b.serverId}`]).trim();

/** Network helpers (processes in a VM's namespace) still running for this test's VMs. */
const helpers = (b: Booted) =>
  execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes("netns-helper") && l.includes(b.root));

describe.skipIf(!ready || !existsSync(CLOUD_INIT))(
  "systemd VMs (real cloud-init, the Berth VM image)",
  () => {
    it("boots through cloud-init and systemd, and the terminal answers through the VM's own Caddy", async () => {
      const b = await bootWorkspace();
      const sim = b.cloud.vms;
      if (!sim) throw new Error("no simulator");
      await until(
        "the agent's ready callback",
        async () => b.calls.some((c) => c.path.endsWith("/ready")),
        90_000,
      ).catch(async (err) => {
        console.log(b.lines.join("\n"), b.calls);
        for (const cmd of [
          ["cloud-init", "status", "--long"],
          ["systemctl", "--failed", "--no-pager"],
          ["tail", "-n", "40", "/var/log/cloud-init-output.log"],
          ["journalctl", "-n", "60", "--no-pager", "-u", "berth-agent", "-u", "caddy"],
        ])
          console.log(
            `$ ${cmd.join(" ")}\n${await sim.exec(b.serverId, cmd)?.catch((e: Error) => e.message)}`,
          );
        throw err;
      });
      const seconds = (Date.now() - b.startedAt) / 1000;
      console.log(
        `local create -> ready (terminal) through real cloud-init from the Berth image: ${seconds.toFixed(1)} s`,
      );
      printTimeline(b);
      expect(b.calls[0]?.path).toBe(`/api/vm/workspaces/${b.id}/bootstrap`);
      expect(await sim.exec(b.serverId, ["cloud-init", "status", "--wait"])).toContain("status: done");
      expect(
        (await sim.exec(b.serverId, ["systemctl", "is-active", "berth-agent", "caddy"]))?.split("\n"),
      ).toEqual(["active", "active", ""]);
      const edgePort = Number(new URL(b.cloud.urls.edge as string).port);
      const page = await httpGet(edgePort, `${b.id}.localhost:${edgePort}`);
      // The agent wants a terminal token (it answered), and Caddy is what proxied it.
      expect(page.status).toBe(401);
      expect(page.text).toContain("Berth dashboard");
      expect(page.server).toBe("Caddy");
      // Caddy, not the agent, refuses the agent's loopback-only endpoints from outside.
      expect((await httpGet(edgePort, `${b.id}.localhost:${edgePort}`, "/caddy/ask?domain=x")).status).toBe(
        404,
      );

      // A cut network: the VM's address stops answering; restored, it answers again.
      const control = `${new URL(b.cloud.urls.hetzner).origin}/__berth/vms/${b.serverId}`;
      expect((await fetch(`${control}/network-cut`, { method: "POST" })).status).toBe(200);
      expect((await httpGet(edgePort, `${b.id}.localhost:${edgePort}`)).status).toBe(502);
      await fetch(`${control}/network-restore`, { method: "POST" });
      expect((await httpGet(edgePort, `${b.id}.localhost:${edgePort}`)).status).toBe(401);
      // A crash stops the container while the API still says running.
      expect((await fetch(`${control}/crash`, { method: "POST" })).status).toBe(200);
      expect(docker(["inspect", "-f", "{{.State.Running}}", vmContainers(b)]).trim()).toBe("false");
      expect((await hetzner(b.cloud)("GET", `/servers/${b.serverId}`)).json.server.status).toBe("running");

      // Power off stops the container; power on boots the same disk (cloud-init does not run
      // again, systemd starts the enabled units); delete removes it and its network plumbing.
      const api = hetzner(b.cloud);
      const running = () => docker(["inspect", "-f", "{{.State.Running}}", vmContainers(b)]).trim();
      await api("POST", `/servers/${b.serverId}/actions/poweroff`);
      await until("the container to stop", async () => running() === "false", 30_000);
      expect((await api("GET", `/servers/${b.serverId}`)).json.server.status).toBe("off");
      await api("POST", `/servers/${b.serverId}/actions/poweron`);
      await until("the container to run", async () => running() === "true", 30_000);
      await until(
        "berth-agent active again",
        async () =>
          (await sim.exec(b.serverId, ["systemctl", "is-active", "berth-agent"]))?.trim() === "active",
        60_000,
      );
      await api("DELETE", `/servers/${b.serverId}`);
      await until("the container to go", async () => vmContainers(b) === "", 30_000);
      await until("its devcontainers to go", async () => devcontainers(b) === "", 30_000);
      // The directory goes last, after the network helper and the docker proxy have stopped.
      await until(
        "its directory to go",
        async () => (await readdir(join(b.root, "vms")).catch(() => [])).length === 0,
        30_000,
      );
      expect(helpers(b)).toEqual([]);
    }, 300_000);

    it("figure: the stock recipe's user_data (package installs at boot) on the same image", async () => {
      const b = await bootWorkspace({ stock: true });
      const sim = b.cloud.vms;
      // No registry is reachable from a local VM: apt and npm fail, and the image already has
      // what they would install. The figure is what those attempts cost; it is printed only.
      await until(
        "the agent's ready callback",
        async () => b.calls.some((c) => c.path.endsWith("/ready")),
        240_000,
      );
      console.log(
        `local create -> ready (terminal) through real cloud-init from the stock recipe: ${((Date.now() - b.startedAt) / 1000).toFixed(1)} s`,
      );
      printTimeline(b);
      // Where the time went (cloud-init's status is "error": its package module failed).
      const blame = "cloud-init status --long; cloud-init analyze blame | head -n 8; true";
      console.log(await sim?.exec(b.serverId, ["sh", "-c", blame])?.catch((e: Error) => e.message));
    }, 300_000);

    it("reports a VM whose agent cannot start as boot_failed, with the reason, within a minute", async () => {
      const b = await bootWorkspace({ sha256: "0".repeat(64) });
      const shutdown = await until(
        "a boot_failed shutdown callback",
        async () => b.calls.find((c) => c.path.endsWith("/shutdown")),
        120_000,
      );
      console.log(
        `local create -> boot_failed reported: ${((Date.now() - b.startedAt) / 1000).toFixed(1)} s`,
      );
      const body = JSON.parse(shutdown.body) as { reason: string; detail: string };
      expect(body.reason).toBe("boot_failed");
      expect(body.detail).toContain("SHA-256 mismatch");
      // Stopping the simulator leaves nothing running.
      await b.cloud.stop();
      expect(vmContainers(b)).toBe("");
      expect(helpers(b)).toEqual([]);
    }, 200_000);

    it("reports a cloud-init that failed before installing the agent's unit as boot_failed, with cloud-init's reason", async () => {
      const b = await bootWorkspace({ failingCloudInit: true });
      const shutdown = await until(
        "a boot_failed shutdown callback",
        async () => b.calls.find((c) => c.path.endsWith("/shutdown")),
        120_000,
      );
      console.log(
        `local create -> failed cloud-init reported: ${((Date.now() - b.startedAt) / 1000).toFixed(1)} s`,
      );
      expect(b.calls[0]?.path).toBe(`/api/vm/workspaces/${b.id}/bootstrap`);
      const body = JSON.parse(shutdown.body) as { reason: string; detail: string };
      expect(body.reason).toBe("boot_failed");
      console.log(`reported: ${body.detail}`);
      expect(body.detail).toContain("cloud-init did not install berth-agent.service");
      expect(body.detail).toContain("runcmd");
    }, 200_000);

    it("boots a server without user_data; a reset removes every VM and a server reusing its id and address boots afresh", async () => {
      const { cloud, root } = await startCloud();
      const sim = cloud.vms;
      if (!sim) throw new Error("no simulator");
      const api = hetzner(cloud);
      const create = async () => {
        const res = await api("POST", "/servers", serverBody(`bare${process.pid}`));
        expect(res.status).toBe(201);
        return { id: res.json.server.id as number, ip: res.json.server.public_net.ipv4.ip as string };
      };
      const first = await create();
      // Nothing to run, yet a machine: cloud-init finds an empty seed and finishes.
      await until("the VM to run", async () => sim.vm(first.id)?.state === "running", 120_000);
      expect(await sim.exec(first.id, ["cloud-init", "status", "--wait"])).toContain("status: done");
      expect((await api("GET", `/servers/${first.id}`)).json.server.status).toBe("running");
      const box = { root, serverId: first.id } as Booted;
      const container = vmContainers(box);
      expect(container).not.toBe("");

      expect(
        (await fetch(`${new URL(cloud.urls.hetzner).origin}/__berth/reset`, { method: "POST" })).status,
      ).toBe(200);
      const second = await create();
      expect(second).toEqual(first);
      // The old container goes before the new one (same name) is made; the new one is a new instance.
      await until("the new VM to run", async () => sim.vm(second.id)?.state === "running", 120_000);
      expect(vmContainers(box)).not.toBe(container);
      expect(await sim.exec(second.id, ["cloud-init", "status", "--wait"])).toContain("status: done");
      expect(sim.vms()).toHaveLength(1);
    }, 300_000);
  },
);
