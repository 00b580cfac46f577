import type { Env } from "./env.ts";
import type { AgentDownload } from "./workspaces/provisioning.ts";

export type Architecture = "x86" | "arm";

/** The downloads: each binary compressed with xz (fetch-agent.sh pins and unpacks them). */
const fileNames: Record<Architecture, string> = {
  x86: "berth-agent-linux-x64.xz",
  arm: "berth-agent-linux-arm64.xz",
};
export const agentFileNames = Object.values(fileNames);

// Until an agent binary is published, VMs get a download that fails its checksum and say so.
const unpublished: AgentDownload = { url: "https://agent.invalid/berth-agent", sha256: "0".repeat(64) };

/**
 * Where a VM of this architecture downloads berth-agent (xz), and the SHA-256 of that download
 * cloud-init pins. Explicit
 * settings win; otherwise the binary published in the AGENTS bucket (with its `.sha256` object),
 * served by this Worker at /agent/<file>.
 */
export async function agentDownload(env: Env, arch: Architecture): Promise<AgentDownload> {
  const url = arch === "x86" ? env.AGENT_URL_X64 : env.AGENT_URL_ARM64;
  const sha256 = arch === "x86" ? env.AGENT_SHA256_X64 : env.AGENT_SHA256_ARM64;
  if (url && sha256) return { url, sha256 };
  const file = fileNames[arch];
  const published = await env.AGENTS?.get(`${file}.sha256`);
  const hash = (await published?.text())?.trim().toLowerCase();
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) return unpublished;
  return { url: `${env.BERTH_PUBLIC_URL.replace(/\/$/, "")}/agent/${file}`, sha256: hash };
}
