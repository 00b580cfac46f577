/**
 * Conformance: Hetzner's own CLI (Debian's hcloud-cli, installed by scripts/system-packages.sh)
 * drives the stand-in for the operations Berth relies on. The token reaches hcloud through its
 * environment, never its command line.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { HETZNER_TOKEN, startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startEphemeral({ hetznerBootMs: 0, hetznerImageMs: 200 });
});
afterAll(() => cloud.stop());

function hcloud(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "hcloud",
      args,
      {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: "/nonexistent",
          HCLOUD_ENDPOINT: cloud.urls.hetzner,
          HCLOUD_TOKEN: HETZNER_TOKEN,
          // No config file: everything comes from the environment.
          HCLOUD_CONFIG: "/nonexistent/hcloud-cli.toml",
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT")
          throw new Error("hcloud is not installed: run scripts/system-packages.sh hcloud-cli");
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await hcloud(...args, "-o", "json");
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as T;
}

describe("hcloud CLI against the Hetzner stand-in", () => {
  it("creates with an image by name, lists by label, describes, snapshots and deletes", async () => {
    const created = await hcloud(
      "server",
      "create",
      "--name",
      "cli-1",
      "--type",
      "cx23",
      "--image",
      "debian-12",
      "--location",
      "nbg1",
      "--label",
      "berth.image-build=yes",
    );
    expect(created.stderr).toBe("");
    expect(created.stdout).toContain("Server 1 created");
    await hcloud("server", "create", "--name", "cli-other", "--type", "cx23", "--image", "ubuntu-24.04");

    const listed = await json<Array<{ name: string; image: { name: string } }>>(
      "server",
      "list",
      "-l",
      "berth.image-build=yes",
    );
    expect(listed.map((s) => s.name)).toEqual(["cli-1"]);
    expect(listed[0]?.image.name).toBe("debian-12");

    const described = await hcloud("server", "describe", "cli-1");
    expect(described.stdout).toMatch(/Status:\s+running/);
    expect(described.stdout).toMatch(/Location:\s*\n(.*\n)*?\s+Name:\s+nbg1/);

    const snap = await hcloud(
      "server",
      "create-image",
      "--type",
      "snapshot",
      "--description",
      "berth vm",
      "--label",
      "berth.image=vm",
      "cli-1",
    );
    expect(snap.stderr).toBe("");
    const imageId = /Image (\d+) created/.exec(snap.stdout)?.[1];
    expect(imageId).toBeDefined();

    const images = await json<Array<{ id: number; status: string; description: string }>>(
      "image",
      "list",
      "-t",
      "snapshot",
      "-l",
      "berth.image=vm",
    );
    // hcloud waited for the create_image action: the snapshot is available.
    expect(images).toMatchObject([{ id: Number(imageId), status: "available", description: "berth vm" }]);
    const described2 = await hcloud("image", "describe", String(imageId));
    expect(described2.stdout).toMatch(/Type:\s+snapshot\nStatus:\s+available/);
    expect(described2.stdout).toMatch(/Labels:\n\s+berth.image: vm/);

    // A server from the snapshot, by id.
    const fromSnap = await hcloud(
      "server",
      "create",
      "--name",
      "cli-2",
      "--type",
      "cx23",
      "--image",
      String(imageId),
    );
    expect(fromSnap.stderr).toBe("");

    expect((await hcloud("server", "delete", "cli-1")).stdout).toContain("Server cli-1 deleted");
    expect((await hcloud("image", "delete", String(imageId))).stdout).toContain(`${imageId} deleted`);
    const left = await json<Array<{ name: string }>>("server", "list");
    expect(left.map((s) => s.name).sort()).toEqual(["cli-2", "cli-other"]);
  });

  it("shows Hetzner's errors as hcloud prints them", async () => {
    const dup = await hcloud(
      "server",
      "create",
      "--name",
      "cli-other",
      "--type",
      "cx23",
      "--image",
      "debian-12",
    );
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain("server name is already used (uniqueness_error)");
    const noImage = await hcloud(
      "server",
      "create",
      "--name",
      "cli-x",
      "--type",
      "cx23",
      "--image",
      "no-such-os",
    );
    expect(noImage.code).not.toBe(0);
    expect(noImage.stderr).toContain("image not found: no-such-os");
    const missing = await hcloud("image", "describe", "123");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("image not found: 123");
  });
});
