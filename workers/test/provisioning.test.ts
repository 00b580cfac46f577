import { env } from "cloudflare:workers";
import { agentConfigPath } from "@berth/protocol";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../src/db/schema/index.ts";
import type { Env } from "../src/env.ts";
import { catalogCacheMs, withCachedCatalog } from "../src/providers/catalog-cache.ts";
import { createHetznerProvider } from "../src/providers/hetzner/index.ts";
import type { ServerProvider } from "../src/providers/types.ts";
import { settingsFrom } from "../src/settings.ts";
import {
  agentConfigFor,
  chooseBootImage,
  type ProvisioningConfig,
  renderUserData,
} from "../src/workspaces/provisioning.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow, stopWorkspace } from "../src/workspaces/service.ts";
import { depsAt, hetzner, load, waitFor } from "./support/lifecycle.ts";
import { freshLogin, signInWithId } from "./support/session.ts";

const workspace = {
  id: "ws0provisioning",
  hostname: "ws0provisioning.localhost",
  repoUrl: "https://github.com/berth-dev/example-app.git",
  branch: "main",
  idleTimeoutMinutes: 30,
} as Workspace;

function configWith(overrides: Partial<Env>): ProvisioningConfig {
  return {
    controlPlaneUrl: "http://localhost:8787",
    terminalPublicKey: { kty: "EC", crv: "P-256", x: "x", y: "y" },
    agentFor: async () => ({
      url: "http://localhost:8787/agent/berth-agent-linux-x64",
      sha256: "c".repeat(64),
    }),
    settings: settingsFrom({ ...env, ...overrides }),
  };
}

const bootstrapToken = "bst_0123456789abcdef0123456789";

/** The agent config the VM gets, and the user_data that carries it. */
async function agentConfigOf(overrides: Partial<Env>) {
  const config = configWith(overrides);
  const userData = await renderUserData(workspace, bootstrapToken, "x86", config);
  return { userData, config: agentConfigFor(workspace, bootstrapToken, config) };
}

describe("user_data and ANTHROPIC_BASE_URL", () => {
  it("carries the setting into the agent config when set", async () => {
    const { userData, config } = await agentConfigOf({ ANTHROPIC_BASE_URL: "http://127.0.0.1:8704" });
    expect(config.anthropic_base_url).toBe("http://127.0.0.1:8704");
    expect(userData).toContain(agentConfigPath);
    expect(userData).toMatch(/anthropic_base_url.{0,8}http:\/\/127\.0\.0\.1:8704/);
  });

  it("leaves it out when unset or blank, as in production", async () => {
    for (const value of [undefined, "", "  "]) {
      const { userData, config } = await agentConfigOf({ ANTHROPIC_BASE_URL: value });
      expect(config).not.toHaveProperty("anthropic_base_url");
      expect(userData).not.toMatch(/anthropic/i);
    }
  });
});

describe("boot image", () => {
  const provider = () => createHetznerProvider({ baseUrl: env.HETZNER_API_URL, token: env.HETZNER_TOKEN });

  async function hetznerCall(method: string, path: string, body?: unknown) {
    const res = await fetch(`${env.HETZNER_API_URL}${path}`, {
      method,
      headers: { authorization: `Bearer ${env.HETZNER_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: loosely typed wire JSON in a test
    return (await res.json()) as any;
  }

  /** A Berth image as `pnpm build:image` labels it, made through the stand-in's create_image. */
  async function berthImage(deployment: string): Promise<number> {
    const name = `img-${crypto.randomUUID().slice(0, 8)}`;
    const { server } = await hetznerCall("POST", "/servers", {
      name,
      server_type: "cx23",
      image: "ubuntu-24.04",
      labels: { "berth.image-build": "x" },
    });
    const { image } = await hetznerCall("POST", `/servers/${server.id}/actions/create_image`, {
      type: "snapshot",
      labels: { "berth.image": "vm", "berth.recipe": "r1", "berth.deployment": deployment },
    });
    await waitFor("the image to be available", async () => {
      const got = await hetznerCall("GET", `/images/${image.id}`);
      return got.image.status === "available";
    });
    await hetznerCall("DELETE", `/servers/${server.id}`);
    return image.id as number;
  }

  it("boots from the deployment's newest Berth image for the architecture, else the stock image", async () => {
    const deployment = `img${crypto.randomUUID().slice(0, 8)}`;
    expect(await chooseBootImage(provider(), deployment, "x86", "ubuntu-24.04")).toEqual({
      image: "ubuntu-24.04",
      kind: "stock",
    });
    await berthImage(deployment);
    const newest = await berthImage(deployment);
    expect(await chooseBootImage(provider(), deployment, "x86", "ubuntu-24.04")).toEqual({
      image: String(newest),
      kind: "berth",
    });
    // Another architecture, or another deployment sharing the project: not this image.
    expect((await chooseBootImage(provider(), deployment, "arm", "ubuntu-24.04")).kind).toBe("stock");
    expect((await chooseBootImage(provider(), `${deployment}x`, "x86", "ubuntu-24.04")).kind).toBe("stock");
  });

  it("from the Berth image the user_data installs nothing; from the stock image, today's installs", async () => {
    const config = configWith({});
    const berth = await renderUserData(workspace, bootstrapToken, "x86", config, "berth");
    const stock = await renderUserData(workspace, bootstrapToken, "x86", config, "stock");
    expect(berth).not.toMatch(/packages:|package_update|npm install/);
    expect(stock).toMatch(/package_update: true/);
    expect(stock).toMatch(/npm, install/);
    for (const u of [berth, stock]) expect(u).toContain("systemctl, start, --no-block, berth-agent.service");
  });

  it("a workspace boots from the Berth image, and its cloud-init installs nothing", async () => {
    const { userId } = await signInWithId(freshLogin("berthimage"));
    // A deployment of its own, so no other test's workspace boots from this image.
    const deps = { ...depsAt(), deployment: `img${crypto.randomUUID().slice(0, 8)}` };
    const imageId = await berthImage(deps.deployment);
    const { workspace: row } = await createRow(
      deps,
      userId,
      { repo_url: "https://example.test/r.git" },
      null,
    );
    const booting = await reconcileWorkspace(deps, row);
    expect(booting.state).toBe("booting");
    const state = (await hetzner.state()) as {
      servers: Array<{ id: number; image: { id: number; type: string }; user_data: string }>;
    };
    const server = state.servers.find((s) => s.id === booting.serverId);
    expect(server?.image).toMatchObject({ id: imageId, type: "snapshot" });
    expect(server?.user_data).not.toMatch(/packages:|package_update|npm, install/);
    const events = await env.DB.prepare(
      "select message from workspace_events where workspace_id = ? and type = 'server'",
    )
      .bind(row.id)
      .all<{ message: string }>();
    expect(events.results.map((e) => e.message).join("\n")).toContain(`Berth image ${imageId}`);
    // Cleaned up like any workspace.
    await reconcileWorkspace(deps, await stopWorkspace(deps, booting, "test over"));
    expect((await load(row.id)).state).toBe("deleted");
  });

  it("looks the Berth image up once per cache period, like the price catalog", async () => {
    let calls = 0;
    const fake = {
      listImages: async () => {
        calls++;
        return [];
      },
    } as unknown as ServerProvider;
    let now = 0;
    const cachedProvider = withCachedCatalog(fake, {}, () => now);
    await chooseBootImage(cachedProvider, "prod", "x86", "ubuntu-24.04");
    await chooseBootImage(cachedProvider, "prod", "x86", "ubuntu-24.04");
    expect(calls).toBe(1);
    await chooseBootImage(cachedProvider, "prod", "arm", "ubuntu-24.04");
    expect(calls).toBe(2);
    now = catalogCacheMs + 1;
    await chooseBootImage(cachedProvider, "prod", "x86", "ubuntu-24.04");
    expect(calls).toBe(3);
  });
});
