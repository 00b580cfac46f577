export {
  type CaddyfileOptions,
  type CaddyIssuer,
  type LocalCaddyfileOptions,
  renderCaddyfile,
  renderLocalCaddyfile,
} from "./caddyfile.ts";
export {
  aptPackages,
  type BootImageKind,
  type CloudInitInput,
  CloudInitInputError,
  caddyfilePath,
  devcontainerCliPackage,
  hetznerUserDataLimitBytes,
  nodePackage,
  renderCloudInit,
} from "./render.ts";
export { agentBinaryPath, fetchAgentScriptPath, shellQuote } from "./scripts.ts";
export { agentUnitPath } from "./systemd.ts";
