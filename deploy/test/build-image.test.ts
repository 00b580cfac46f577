/**
 * `pnpm build:image` against the Hetzner stand-in. The stand-in runs no guest: the test plays the
 * build server's cloud-init finishing install.sh and powering off (`/__berth/hetzner/servers/:id/
 * poweroff`, what a real `poweroff` inside the VM does to Hetzner's status).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalCloud, startLocalCloud } from "@berth/local-cloud";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildImageCommand } from "../src/build-image.ts";
import { readRecipe } from "../src/image/recipe.ts";
import { buildUserData } from "../src/image/user-data.ts";

const token = "local-hetzner-token";
let cloud: LocalCloud;
let origin: string;
let recipeDir: string;

beforeAll(async () => {
  cloud = await startLocalCloud({
    hetznerPort: 0,
    cloudflarePort: 0,
    githubPort: 0,
    anthropicPort: 0,
    pushPort: 0,
    hetznerBootMs: 0,
    hetznerImageMs: 100,
  });
  origin = new URL(cloud.urls.hetzner).origin;
  recipeDir = mkdtempSync(path.join(tmpdir(), "berth-recipe-"));
  writeFileSync(path.join(recipeDir, "install.sh"), "#!/bin/sh\nset -eu\necho installing\n");
  writeFileSync(path.join(recipeDir, "local.sh"), "#!/bin/sh\n");
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await fetch(`${origin}/__berth/reset`, { method: "POST" });
});

interface Req {
  method: string;
  path: string;
  status: number;
  body: unknown;
}
const requests = async () => (await (await fetch(`${origin}/__berth/requests`)).json()) as Req[];
const writes = async () => (await requests()).filter((r) => r.method !== "GET");
const state = async () =>
  (await (await fetch(`${origin}/__berth/state`)).json()) as {
    servers: Array<{ id: number; status: string; labels: Record<string, string>; user_data: string }>;
    images: Array<{ id: number; status: string; labels: Record<string, string> }>;
  };

/** Plays the guest: once the build server exists, its install "finishes" and it powers off. */
function guestPowersOff(): { stop: () => void } {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const s = (await state()).servers.find((x) => x.labels["berth.image-build"] && x.status !== "off");
      if (s) {
        expect(s.user_data).toContain("install.sh");
        await fetch(`${origin}/__berth/hetzner/servers/${s.id}/poweroff`, { method: "POST" });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  void loop();
  return { stop: () => (stopped = true) };
}

function run(argv: string[] = [], lines: string[] = []) {
  return buildImageCommand({
    argv: ["--recipe", recipeDir, "--deployment-id", "test", ...argv],
    env: { HETZNER_TOKEN: token, HETZNER_API_URL: cloud.urls.hetzner },
    log: (l) => lines.push(l),
    pollMs: 20,
  });
}

describe("pnpm build:image", () => {
  it("--dry-run prints the plan and makes no write call", async () => {
    const lines: string[] = [];
    expect((await run(["--dry-run"], lines)).status).toBe("dry-run");
    expect(lines.join("\n")).toMatch(/\[dry-run\] would create server berth-image-/);
    expect(lines.join("\n")).toMatch(/would create_image \(snapshot\) labelled berth.image=vm,berth.recipe=/);
    expect(await writes()).toEqual([]);
  });

  it("builds once, then finds the same recipe's image and writes nothing", async () => {
    const guest = guestPowersOff();
    const first = await run().finally(() => guest.stop());
    expect(first.status).toBe("built");
    const after = await state();
    // No server left behind; one available snapshot with the build's labels.
    expect(after.servers).toEqual([]);
    const { hash } = await readRecipe(recipeDir);
    expect(after.images).toMatchObject([
      {
        status: "available",
        labels: { "berth.image": "vm", "berth.recipe": hash, "berth.deployment": "test" },
      },
    ]);
    expect((await writes()).map((r) => `${r.method} ${r.path.replace(/\/\d+/g, "/:id")}`)).toEqual([
      "POST /v1/servers",
      "POST /v1/servers/:id/actions/create_image",
      "DELETE /v1/servers/:id",
    ]);
    // The build server carried the sweep's labels and the recipe as its user_data.
    const create = (await writes())[0]?.body as { labels: Record<string, string>; user_data: string };
    expect(create.labels).toMatchObject({ "berth.managed-by": "berth", "berth.deployment": "test" });
    expect(create.user_data).toBe(buildUserData((await readRecipe(recipeDir)).installScript));

    await fetch(`${origin}/__berth/requests`, { method: "DELETE" });
    const lines: string[] = [];
    const second = await run([], lines);
    expect(second.status).toBe("exists");
    expect(lines.join("\n")).toContain("nothing to do");
    expect(await writes()).toEqual([]);
  });

  it("a failed create_image deletes the build server and says why", async () => {
    await fetch(`${origin}/__berth/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "POST", path: "/v1/servers/", status: 500 }),
    });
    const guest = guestPowersOff();
    const lines: string[] = [];
    await expect(run([], lines).finally(() => guest.stop())).rejects.toThrow(
      /create_image.*500 server_error/,
    );
    const after = await state();
    expect(after.servers).toEqual([]);
    expect(after.images).toEqual([]);
    expect(lines.join("\n")).toMatch(/delete server berth-image-.* \(the build failed/);
  });

  it("a create whose answer was lost: the server Hetzner made anyway is found by name and deleted", async () => {
    await fetch(`${origin}/__berth/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "POST", path: "/v1/servers", loseResponse: true }),
    });
    await expect(run()).rejects.toThrow(/POST \/servers/);
    expect((await state()).servers).toEqual([]);
    expect((await writes()).map((r) => r.method)).toEqual(["POST", "DELETE"]);
  });

  it("an install that never powers off times out and deletes the server", async () => {
    await expect(run(["--timeout-minutes", "0.002"])).rejects.toThrow(
      /timed out .* to power off \(the install failed or hangs: see \/var\/log\/berth-image-install.log/,
    );
    expect((await state()).servers).toEqual([]);
  });

  it("a new recipe builds a new image", async () => {
    const guest = guestPowersOff();
    await run().finally(() => guest.stop());
    writeFileSync(path.join(recipeDir, "install.sh"), "#!/bin/sh\nset -eu\necho installing v2\n");
    const guest2 = guestPowersOff();
    const second = await run().finally(() => guest2.stop());
    expect(second.status).toBe("built");
    expect(new Set((await state()).images.map((i) => i.labels["berth.recipe"])).size).toBe(2);
  });
});
