import { startLocalCloud } from "./index.ts";

function port(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got '${v}'`);
  return n;
}

const cloud = await startLocalCloud({
  hetznerPort: port("LOCAL_CLOUD_HETZNER_PORT", 8701),
  cloudflarePort: port("LOCAL_CLOUD_CLOUDFLARE_PORT", 8702),
  githubPort: port("LOCAL_CLOUD_GITHUB_PORT", 8703),
  host: process.env.LOCAL_CLOUD_HOST || "127.0.0.1",
  ...(process.env.LOCAL_CLOUD_HETZNER_BOOT_MS
    ? { hetznerBootMs: Number(process.env.LOCAL_CLOUD_HETZNER_BOOT_MS) }
    : {}),
});

console.log(`local-cloud hetzner    ${cloud.urls.hetzner}`);
console.log(`local-cloud cloudflare ${cloud.urls.cloudflare}`);
console.log(`local-cloud github     ${cloud.urls.github}`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    cloud.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
