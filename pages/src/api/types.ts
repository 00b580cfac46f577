/** Response shapes of the Berth REST API (see workers/src/routes and /api/openapi.json). */

// The lifecycle's states come from the shared protocol package (zod-free entry), never a copy.
export { type WorkspaceState, workspaceStates } from "@berth/protocol/workspace";

import type { WorkspaceState } from "@berth/protocol/workspace";

export interface Me {
  id: string;
  name: string;
  email: string;
  image: string | null;
  authenticated_via: "session" | "api_key";
}

export interface Cost {
  hourly_eur: number | null;
  total_eur: number;
  billed_hours: number;
}

export interface Workspace {
  id: string;
  name: string;
  state: WorkspaceState;
  state_reason: string | null;
  repo_url: string;
  branch: string | null;
  server_type: string;
  location: string;
  hostname: string;
  url: string;
  idle_timeout_minutes: number;
  created_at: string;
  ready_at: string | null;
  ended_at: string | null;
  last_activity_at: string | null;
  cost: Cost;
}

export interface AgentStatus {
  last_heartbeat_at: string | null;
  last_human_input_at: string | null;
  claude_state: string | null;
  claude_waiting_reason: string | null;
  open_terminals: number | null;
  idle_warning: boolean;
  idle_shutdown_at: string | null;
}

export interface WorkspaceDetail extends Workspace {
  server_id: number | null;
  ipv4: string | null;
  runtime: string | null;
  last_error: string | null;
  agent: AgentStatus;
  progress: { at: string; message: string }[];
}

export interface WorkspaceEvent {
  id: number;
  at: string;
  type: string;
  message: string;
}

export interface WorkspacePage {
  workspaces: Workspace[];
  next_cursor: string | null;
}

export interface CreateWorkspaceInput {
  repo_url: string;
  branch?: string;
  name?: string;
  server_type?: string;
  location?: string;
  idle_timeout_minutes?: number;
}

export interface TerminalToken {
  token: string;
  expires_at: string;
  url: string;
}

export interface CredentialStatus {
  claude: { set: boolean; last4: string | null; updated_at: string | null };
}

export interface ApiKey {
  id: string;
  name: string | null;
  start: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret: present in the create response only. */
  key: string;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

/** GET /api/server-types: what Hetzner sells now, cheapest first. */
export interface ServerTypeCatalog {
  server_types: Array<{
    name: string;
    architecture: "x86" | "arm";
    cores: number;
    memory_gb: number;
    prices: Array<{ location: string; hourly_eur: number }>;
  }>;
  default_server_type: string;
  default_location: string;
}

/** GET /api/me/usage: this month's spend against the budget, and the user's limits. */
export interface Usage {
  month: string;
  spent_eur: number;
  budget_eur: number | null;
  remaining_eur: number | null;
  max_live_workspaces: number;
  allowed_server_types: string[];
}
