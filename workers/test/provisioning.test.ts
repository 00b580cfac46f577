import { env } from "cloudflare:workers";
import { agentConfigPath } from "@berth/protocol";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../src/db/schema/index.ts";
import type { Env } from "../src/env.ts";
import { settingsFrom } from "../src/settings.ts";
import { agentConfigFor, type ProvisioningConfig, renderUserData } from "../src/workspaces/provisioning.ts";

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
