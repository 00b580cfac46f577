import { agentConfigPath } from "@berth/protocol";
import { agentBinaryPath, fetchAgentScriptPath } from "./scripts.ts";

export const agentUnitPath = "/etc/systemd/system/berth-agent.service";

/**
 * The agent's systemd unit. It runs as root (it drives Docker and the devcontainer CLI), so the
 * hardening is limited to settings that leave the Docker socket, /usr/local and the data dir
 * writable: no privilege escalation and no kernel tunables, modules, logs or clock.
 */
export function renderAgentUnit(): string {
  return `[Unit]
Description=Berth workspace agent
Wants=network-online.target docker.service caddy.service
After=network-online.target docker.service
StartLimitIntervalSec=0

[Service]
Type=simple
Environment=HOME=/root
ExecStartPre=${fetchAgentScriptPath}
ExecStart=${agentBinaryPath} serve --config ${agentConfigPath}
Restart=always
RestartSec=5
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes

[Install]
WantedBy=multi-user.target
`;
}
