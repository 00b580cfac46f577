import { startLocalCloud } from "@berth/local-cloud";
import { testPorts } from "./support/test-env.ts";

/** Runs in Node before the workerd test pool: the remote-service stand-ins, over real HTTP. */
export default async function setup() {
  const cloud = await startLocalCloud({
    hetznerPort: testPorts.hetzner,
    cloudflarePort: testPorts.cloudflare,
    githubPort: testPorts.github,
  });
  return async () => {
    await cloud.stop();
  };
}
