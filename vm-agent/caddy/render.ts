/**
 * Prints the VM's Caddyfile, for inspection and debugging (`caddy adapt` it, diff it):
 *   bun caddy/render.ts <hostname> <agentPort> [acme|zerossl|internal] [email]
 *   bun caddy/render.ts --local <hostname> <agentPort> <listenPort> [adminPort]
 * The generator lives in cloud-init/src/caddyfile.ts: cloud-init writes the Caddyfile onto the VM.
 */
import { type CaddyIssuer, renderCaddyfile, renderLocalCaddyfile } from "@berth/cloud-init/caddyfile";

const args = process.argv.slice(2);
if (args[0] === "--local") {
  const [, hostname = "", agentPort = "", listenPort = "", adminPort] = args;
  process.stdout.write(
    renderLocalCaddyfile({
      hostname,
      agentPort: Number(agentPort),
      listenPort: Number(listenPort),
      adminPort: adminPort === undefined ? null : Number(adminPort),
    }),
  );
} else {
  const [hostname = "", agentPort = "", issuer = "acme", email] = args;
  process.stdout.write(
    renderCaddyfile({
      hostname,
      agentPort: Number(agentPort),
      issuer: issuer as CaddyIssuer,
      askUrl: `http://127.0.0.1:${agentPort}/caddy/ask`,
      ...(email === undefined ? {} : { email }),
    }),
  );
}
