import { startLocalCloud } from "@berth/local-cloud";
import { testPortBase, testPortsFrom } from "./support/test-env.ts";

/** Runs in Node before the workerd test pool: the remote-service stand-ins, over real HTTP. */
export default async function setup() {
  const ports = testPortsFrom(testPortBase(process.env));
  const cloud = await startLocalCloud({
    hetznerPort: ports.hetzner,
    cloudflarePort: ports.cloudflare,
    githubPort: ports.github,
  });
  return async () => {
    await cloud.stop();
  };
}
