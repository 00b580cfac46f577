// `pnpm dev`: the whole system on this machine — local-cloud stand-ins, then the Worker under
// wrangler dev with local D1 (migrations applied). `--smoke` signs in, uses an API key and exits.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { type SystemdVmConfig, startLocalCloud } from "@berth/local-cloud";
import { type DockerEngine, ensureDockerEngine } from "./lib/docker-engine.ts";
import { devDeploymentId, devPorts, devPublicUrl, writeDevVars } from "./lib/local-env.ts";
import { buildDashboard, publishAgentLocally } from "./lib/publish-agent.ts";
import { smokeTest } from "./lib/smoke.ts";
import { smokeLifecycle } from "./lib/smoke-lifecycle.ts";
import { ensureVmImage } from "./lib/vm-image.ts";
import { ensureWorkspaceImage } from "./lib/workspace-image.ts";

const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "workers/node_modules/.bin/wrangler");
const smoke = process.argv.includes("--smoke");
/**
 * How servers boot: a systemd container of the Berth VM image (real cloud-init, real units, the
 * VM's own Caddy), as on Hetzner.
 */

const devVars = writeDevVars(root);
const agent = publishAgentLocally(root, wrangler);
console.log(
  `berth-agent published to local R2 (${(agent.bytes / 2 ** 20).toFixed(0)} MiB, sha256 ${agent.sha256.slice(0, 12)}…)`,
);
buildDashboard(root);
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "berth", "--local"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) throw new Error("applying D1 migrations failed");

// Every server the control plane creates boots as a systemd container of the Berth VM image on
// the project's own Docker engine (started here when none answers), behind the local edge, which
// makes <id>.localhost:8788 reach its Caddy. The smoke run plays the VM itself with curl.
const vmDir = path.join(root, ".state/vms");
let engine: DockerEngine | null = null;
let systemd: SystemdVmConfig | undefined;
if (!smoke) {
  try {
    engine = await ensureDockerEngine(root);
    console.log(`Docker engine ${engine.started ? "started" : "already running"} at ${engine.host}`);
    const log = (l: string) => console.log(l);
    const image = await ensureWorkspaceImage({ root, dockerHost: engine.host, log });
    log(`workspace image ${image.tag} ${image.built ? "built" : "cached"} in ${image.seconds.toFixed(1)} s`);
    const vmImage = await ensureVmImage({ root, dockerHost: engine.host, log });
    log(`VM image ${vmImage.tag} ${vmImage.built ? "built" : "cached"} in ${vmImage.seconds.toFixed(1)} s`);
    systemd = { image: vmImage.tag, dockerHost: engine.host, defaultImage: image.tag };
  } catch (err) {
    // No engine, no VMs: a workspace could only hang in "booting", so say why now.
    console.error(`Local VMs need the project's Docker engine and images: ${(err as Error).message}`);
    await engine?.stop();
    process.exit(1);
  }
}
rmSync(vmDir, { recursive: true, force: true }); // disks of VMs from an earlier run are gone with it
// The GitHub stand-in's bare repositories; its fixture (alice/private-notes, ...) starts afresh.
const githubDir = path.join(root, ".state/github");
rmSync(githubDir, { recursive: true, force: true });
const cloud = await startLocalCloud({
  hetznerPort: devPorts.hetzner,
  cloudflarePort: devPorts.cloudflare,
  githubPort: devPorts.github,
  anthropicPort: devPorts.anthropic,
  pushPort: devPorts.push,
  // The Worker signs its App JWTs with the key in .dev.vars: the stand-in checks them with it.
  githubApp: { privateKey: devVars.GITHUB_APP_PRIVATE_KEY },
  githubDataDir: githubDir,
  ...(smoke
    ? {}
    : {
        vms: {
          rootDir: vmDir,
          ...(systemd ? { systemd } : {}),
          // The agents' own tunables (the end-to-end test shortens Claude's working lease).
          env: process.env.BERTH_CLAUDE_LEASE_SECONDS
            ? { BERTH_CLAUDE_LEASE_SECONDS: process.env.BERTH_CLAUDE_LEASE_SECONDS }
            : {},
          log: (line: string) => console.log(`[vm] ${line}`),
        },
        edgePort: devPorts.edge,
      }),
});

// What `pnpm build:image` makes on Hetzner: the stand-in then holds a Berth image, so the control
// plane renders the Berth-image user_data (no installs), which the local VM image answers to.
if (systemd)
  cloud.hetzner.registerSnapshot({
    description: `local Berth VM image ${systemd.image}`,
    // protocol/src/workspace.ts: imageLabels, berthImageKind
    labels: { "berth.image": "vm", "berth.deployment": devDeploymentId },
    architecture: "x86",
  });

const worker: ChildProcess = spawn(
  wrangler,
  ["dev", "--ip", "127.0.0.1", "--port", String(devPorts.worker), "--show-interactive-dev-session=false"],
  // Its own process group, so stopping takes wrangler's workerd children with it.
  { cwd: root, stdio: ["ignore", smoke ? "ignore" : "inherit", "inherit"], detached: true },
);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  if (worker.pid) process.kill(-worker.pid, "SIGTERM");
  await cloud.stop();
  await engine?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
worker.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code})`);
    void stop(1);
  }
});

async function waitForWorker(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${devPublicUrl}/api/openapi.json`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the Worker did not come up within 60 s");
}

try {
  await waitForWorker(60_000);
} catch (err) {
  console.error(String(err));
  await stop(1);
}
// wrangler dev does not fire cron triggers by itself: run the reconciler sweep every minute.
const cron = setInterval(() => {
  fetch(
    `http://127.0.0.1:${devPorts.worker}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}`,
  ).catch((err: unknown) => console.error(`cron trigger failed: ${String(err)}`));
}, 60_000);
cron.unref();

if (smoke) {
  try {
    const me = await smokeTest(devPublicUrl);
    console.log(`dev smoke test: signed in and called /api/me as ${me.email}`);
    const steps = await smokeLifecycle({
      baseUrl: devPublicUrl,
      apiKey: me.apiKey,
      hetznerControl: new URL(cloud.urls.hetzner).origin,
      cloudflareControl: new URL(cloud.urls.cloudflare).origin,
    });
    for (const step of steps) console.log(`dev smoke test: ${step}`);
    await stop(0);
  } catch (err) {
    console.error(`dev smoke test failed: ${String(err)}`);
    await stop(1);
  }
} else {
  console.log(`
  Berth is running locally.
  Open ${devPublicUrl} and sign in with the GitHub stand-in.

  Stand-ins: Hetzner ${cloud.urls.hetzner}  Cloudflare ${cloud.urls.cloudflare}  GitHub ${cloud.urls.github}
  Anthropic (for Claude Code): ${cloud.urls.anthropic}
  Push service (Web Push):     ${cloud.urls.push}
  GitHub App "${cloud.githubApp.slug}" (id ${cloud.githubApp.id}) installed on alice: ${cloud.urls.github}/alice/private-notes.git (private),
    ${cloud.urls.github}/alice/hello-world.git (public); not on bob (${cloud.urls.github}/bob/dotfiles.git)
  Workspaces: http://<id>.localhost:${devPorts.edge} (systemd VMs in ${vmDir})
  API docs:  ${devPublicUrl}/api/openapi.json      Stop with Ctrl-C.
`);
}
