import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentDownload } from "../src/agent-binaries.ts";
import { createWorkspace, hetzner, waitForState } from "./support/lifecycle.ts";
import { api, freshLogin, signIn } from "./support/session.ts";

const binary = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4, 5]);
const sha = "a".repeat(64);

describe("agent binaries", () => {
  it("serves a published binary to anyone, and nothing else", async () => {
    await env.AGENTS?.put("berth-agent-linux-x64.xz", binary);
    const res = await api("/agent/berth-agent-linux-x64.xz");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-xz");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(binary);
    for (const path of [
      "/agent/berth-agent-linux-riscv.xz",
      "/agent/..%2Fsecrets",
      "/agent/berth-agent-linux-arm64.xz",
    ]) {
      const missing = await api(path);
      expect(missing.status, path).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });

  it("points VMs at the published binary with its SHA-256, and refuses to invent one", async () => {
    await env.AGENTS?.delete("berth-agent-linux-arm64.xz.sha256");
    expect((await agentDownload(env, "arm")).sha256).toBe("0".repeat(64));
    await env.AGENTS?.put("berth-agent-linux-x64.xz.sha256", `${sha}\n`);
    expect(await agentDownload(env, "x86")).toEqual({
      url: "http://localhost:8787/agent/berth-agent-linux-x64.xz",
      sha256: sha,
    });
    await env.AGENTS?.put("berth-agent-linux-x64.xz.sha256", "not a hash");
    expect((await agentDownload(env, "x86")).sha256).toBe("0".repeat(64));
    const pinned = { ...env, AGENT_URL_X64: "https://cdn.example/agent", AGENT_SHA256_X64: "b".repeat(64) };
    expect(await agentDownload(pinned, "x86")).toEqual({
      url: "https://cdn.example/agent",
      sha256: "b".repeat(64),
    });
  });

  it("a new VM's user_data downloads the published agent and pins its hash", async () => {
    await env.AGENTS?.put("berth-agent-linux-x64.xz.sha256", sha);
    const cookie = await signIn(freshLogin("agentpin"));
    const { body } = await createWorkspace(cookie);
    const ws = await waitForState(body.id, "booting");
    const state = (await hetzner.state()) as { servers: Array<{ id: number; user_data: string }> };
    const userData = state.servers.find((s) => s.id === ws.serverId)?.user_data ?? "";
    expect(userData).toContain("http://localhost:8787/agent/berth-agent-linux-x64.xz");
    expect(userData).toContain(sha);
    await api(`/api/workspaces/${body.id}`, { method: "DELETE", headers: { cookie } });
    await waitForState(body.id, "deleted");
    await env.AGENTS?.delete("berth-agent-linux-x64.xz.sha256");
  });
});
