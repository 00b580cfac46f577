import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("main.ts", () => {
  it("prints the URLs from env ports, serves them, and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        LOCAL_CLOUD_HETZNER_PORT: "0",
        LOCAL_CLOUD_CLOUDFLARE_PORT: "0",
        LOCAL_CLOUD_GITHUB_PORT: "0",
        LOCAL_CLOUD_ANTHROPIC_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 10000;
    while (!out.includes("local-cloud anthropic") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const urls = Object.fromEntries(
      [...out.matchAll(/local-cloud (\w+)\s+(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(urls.hetzner).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(urls.cloudflare).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(urls.github).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.anthropic).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${urls.anthropic}/v1/messages`, { method: "POST" })).status).toBe(401);
    const res = await fetch(`${urls.hetzner}/locations`, {
      headers: { authorization: "Bearer local-hetzner-token" },
    });
    expect(res.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
