import type { AgentConfig } from "@berth/protocol";
import type { CloudInitInput } from "../src/index.ts";

export const agentSha256 = "3f7a9c0e5b1d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a";

export function typicalConfig(): AgentConfig {
  return {
    workspace_id: "ws_01JD8Z3K5M7N9P",
    hostname: "ws01jd8z3k5m7n9p.berth.example.com",
    control_plane_url: "https://api.berth.example.com",
    bootstrap_token: "bst_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    terminal_token_public_key: {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
      kid: "2026-11",
      alg: "ES256",
      use: "sig",
    },
    repo_url: "https://github.com/berth-dev/example-app.git",
    branch: "main",
    idle_timeout_seconds: 1800,
    idle_grace_seconds: 300,
    max_lifetime_seconds: 43200,
    heartbeat_interval_seconds: 60,
    listen: { host: "127.0.0.1", port: 7070 },
    data_dir: "/var/lib/berth",
  };
}

export const typicalCaddyfile = `{
  email ops@berth.example.com
  on_demand_tls {
    ask http://127.0.0.1:7070/_berth/caddy-ask
  }
}

https:// {
  tls {
    on_demand
  }
  reverse_proxy 127.0.0.1:7070
}
`;

export function typicalInput(): CloudInitInput {
  return {
    agentConfig: typicalConfig(),
    agent: {
      url: "https://releases.berth.example.com/agent/v1.4.2/berth-agent-linux-x64.xz",
      sha256: agentSha256,
    },
    caddyfile: typicalCaddyfile,
    sshAuthorizedKeys: [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb7m3Yb2s0dQx8Q9d3r8l1n2p3q4r5s6t7u8v9w0x1y alice@laptop",
    ],
  };
}

/** Every field at the largest size Berth allows or could plausibly produce. */
export function worstCaseInput(): CloudInitInput {
  const label = "a".repeat(63);
  return {
    agentConfig: {
      ...typicalConfig(),
      workspace_id: `ws_${"z".repeat(61)}`,
      hostname: `${label}.${label}.${label}.${"b".repeat(61)}`, // 253 characters
      control_plane_url: `https://${"c".repeat(63)}.example.com/${"p".repeat(180)}`,
      bootstrap_token: "t".repeat(256),
      terminal_token_public_key: {
        kty: "EC",
        crv: "P-521",
        x: "X".repeat(88),
        y: "Y".repeat(88),
        kid: "k".repeat(128),
        alg: "ES512",
        use: "sig",
      },
      repo_url: `https://github.com/${"o".repeat(39)}/${"r".repeat(100)}.git?${"q".repeat(1800)}`, // ~2 KiB
      branch: "b".repeat(255),
      data_dir: `/var/lib/${"d".repeat(200)}`,
    },
    agent: { url: `https://releases.example.com/${"u".repeat(480)}`, sha256: agentSha256 }, // 512 characters
    caddyfile: `${typicalCaddyfile}${"# padding\n".repeat(250)}`, // ~2.8 KiB
    // Three RSA-4096 keys (716 base64 characters each).
    sshAuthorizedKeys: Array.from({ length: 3 }, (_, i) => `ssh-rsa ${"A".repeat(716)} user${i}@host`),
  };
}
