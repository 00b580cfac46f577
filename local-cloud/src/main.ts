import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateGithubAppKey } from "./github/app-key.ts";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "./index.ts";

function port(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got '${v}'`);
  return n;
}

const off = (name: string) => process.env[name] === "off";

// Servers boot as systemd containers of the Berth VM image LOCAL_CLOUD_VM_IMAGE on the engine at
// DOCKER_HOST (scripts/dev.ts builds both); without an image, servers are API records only. VM
// directories go to LOCAL_CLOUD_VM_DIR, else a temporary directory removed on exit.
const vmImage = process.env.LOCAL_CLOUD_VM_IMAGE;
const dockerHost = process.env.DOCKER_HOST;
if (vmImage && !dockerHost) throw new Error("LOCAL_CLOUD_VM_IMAGE needs DOCKER_HOST (the engine it is on)");
const withVms = !!vmImage && !off("LOCAL_CLOUD_VMS");
const tempVmDir =
  !withVms || process.env.LOCAL_CLOUD_VM_DIR ? null : await mkdtemp(join(tmpdir(), "berth-local-vms-"));
const vmDir = withVms ? process.env.LOCAL_CLOUD_VM_DIR || tempVmDir : null;

// The GitHub App's key: read from LOCAL_CLOUD_GITHUB_APP_KEY_FILE (written there first when the file
// does not exist yet, so the control plane can be configured with it), else generated in memory.
const keyFile = process.env.LOCAL_CLOUD_GITHUB_APP_KEY_FILE;
if (keyFile && !existsSync(keyFile)) writeFileSync(keyFile, generateGithubAppKey(), { mode: 0o600 });
const ttl = process.env.LOCAL_CLOUD_GITHUB_TOKEN_TTL_SECONDS;

const opts: LocalCloudOptions = {
  hetznerPort: port("LOCAL_CLOUD_HETZNER_PORT", 8701),
  cloudflarePort: port("LOCAL_CLOUD_CLOUDFLARE_PORT", 8702),
  githubPort: port("LOCAL_CLOUD_GITHUB_PORT", 8703),
  anthropicPort: port("LOCAL_CLOUD_ANTHROPIC_PORT", 8704),
  pushPort: port("LOCAL_CLOUD_PUSH_PORT", 8705),
  host: process.env.LOCAL_CLOUD_HOST || "127.0.0.1",
  ...(process.env.LOCAL_CLOUD_HETZNER_BOOT_MS
    ? { hetznerBootMs: Number(process.env.LOCAL_CLOUD_HETZNER_BOOT_MS) }
    : {}),
  githubApp: {
    ...(keyFile ? { privateKey: readFileSync(keyFile, "utf8") } : {}),
    ...(ttl ? { tokenTtlSeconds: Number(ttl) } : {}),
  },
  ...(process.env.LOCAL_CLOUD_GITHUB_DIR ? { githubDataDir: process.env.LOCAL_CLOUD_GITHUB_DIR } : {}),
  ...(vmDir && vmImage && dockerHost
    ? {
        vms: {
          rootDir: vmDir,
          systemd: {
            image: vmImage,
            dockerHost,
            ...(process.env.LOCAL_CLOUD_DEFAULT_DEVCONTAINER_IMAGE
              ? { defaultImage: process.env.LOCAL_CLOUD_DEFAULT_DEVCONTAINER_IMAGE }
              : {}),
          },
          log: (line: string) => console.log(line),
        },
      }
    : {}),
  ...(off("LOCAL_CLOUD_EDGE_PORT") ? {} : { edgePort: port("LOCAL_CLOUD_EDGE_PORT", 8788) }),
};

let cloud: LocalCloud;
try {
  cloud = await startLocalCloud(opts);
} catch (err) {
  // A busy edge port should not take the API stand-ins down with it: say so loudly and go on.
  if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || opts.edgePort === undefined) throw err;
  const { edgePort: _busy, ...rest } = opts;
  cloud = await startLocalCloud(rest);
  console.error(
    `local-cloud: edge port ${opts.edgePort} is in use; running WITHOUT the edge (workspace hostnames will not work). Set LOCAL_CLOUD_EDGE_PORT.`,
  );
}

console.log(`local-cloud hetzner    ${cloud.urls.hetzner}`);
console.log(`local-cloud cloudflare ${cloud.urls.cloudflare}`);
console.log(`local-cloud github     ${cloud.urls.github}`);
console.log(`local-cloud anthropic  ${cloud.urls.anthropic}`);
console.log(`local-cloud push       ${cloud.urls.push}`);
console.log(
  `local-cloud github-app id ${cloud.githubApp.id}, slug ${cloud.githubApp.slug}, key ${keyFile ?? `GET ${cloud.urls.github}/__berth/app`}`,
);
if (cloud.urls.edge) console.log(`local-cloud edge       ${cloud.urls.edge}`);
if (vmDir) console.log(`local-cloud vms        ${vmDir}`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    const done = (code: number) => {
      if (tempVmDir) rmSync(tempVmDir, { recursive: true, force: true });
      process.exit(code);
    };
    cloud.stop().then(
      () => done(0),
      () => done(1),
    );
  });
}
