/** Path cloud-init writes the agent's (non-secret) configuration to, root-only. */
export const agentConfigPath = "/etc/berth/agent.json";
/** Where the agent keeps the secrets it redeemed, root-only. */
export const agentSecretsPath = "/etc/berth/secrets.json";
