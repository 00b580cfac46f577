import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("main.ts", () => {
  it("prints the URLs from env ports, serves them, and exits cleanly on SIGTERM", async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), "berth-main-")), "app.pem");
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        LOCAL_CLOUD_HETZNER_PORT: "0",
        LOCAL_CLOUD_CLOUDFLARE_PORT: "0",
        LOCAL_CLOUD_GITHUB_PORT: "0",
        LOCAL_CLOUD_ANTHROPIC_PORT: "0",
        LOCAL_CLOUD_PUSH_PORT: "0",
        LOCAL_CLOUD_GITHUB_APP_KEY_FILE: keyFile,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 10000;
    while (!out.includes("local-cloud push") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const urls = Object.fromEntries(
      [...out.matchAll(/local-cloud (\w+)\s+(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(urls.hetzner).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(urls.cloudflare).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(urls.github).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.anthropic).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${urls.anthropic}/v1/messages`, { method: "POST" })).status).toBe(401);
    // The push service: a push without VAPID to an unknown subscription is refused as real ones do.
    expect((await fetch(`${urls.push}/push/v1/nobody`, { method: "POST" })).status).toBe(404);
    const res = await fetch(`${urls.hetzner}/locations`, {
      headers: { authorization: "Bearer local-hetzner-token" },
    });
    expect(res.status).toBe(200);
    // The GitHub App's key was written to the file it was pointed at, and is the one it serves.
    expect(out).toContain(`local-cloud github-app id 4242, slug berth-local, key ${keyFile}`);
    const app = (await (await fetch(`${urls.github}/__berth/app`)).json()) as { private_key: string };
    expect(app.private_key.trim()).toBe(readFileSync(keyFile, "utf8").trim());
    expect(app.private_key).toContain("BEGIN RSA PRIVATE KEY");
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
