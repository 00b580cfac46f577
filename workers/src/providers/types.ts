/**
 * The two outside services the control plane drives, each behind one small interface. Production
 * implementations talk to Hetzner Cloud and Cloudflare; tests point the same code at local-cloud.
 */

export interface ServerSpec {
  name: string;
  serverType: string;
  location: string;
  image: string;
  userData: string;
  labels: Record<string, string>;
  /** Cloud Firewalls applied from the first boot (`firewalls: [{firewall: id}]`). */
  firewallIds?: number[];
}

export interface CloudServer {
  id: number;
  name: string;
  /** Hetzner's status: initializing, starting, running, stopping, off, deleting, ... */
  status: string;
  ipv4: string | null;
  labels: Record<string, string>;
  /** ISO timestamp. */
  createdAt: string;
  serverType: string;
  /** Ids of the Cloud Firewalls applied to it (`public_net.firewalls`). */
  firewallIds: number[];
}

/** One Cloud Firewall rule, as Hetzner spells it. */
export interface FirewallRule {
  direction: "in" | "out";
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  /** A port or range for tcp/udp; null otherwise. */
  port: string | null;
  source_ips: string[];
  destination_ips: string[];
  description: string | null;
}

export interface FirewallSpec {
  name: string;
  labels: Record<string, string>;
  rules: FirewallRule[];
}

export interface CloudFirewall {
  id: number;
  name: string;
  labels: Record<string, string>;
  rules: FirewallRule[];
  /** Ids of the servers it is applied to. */
  serverIds: number[];
}

export interface ServerTypePrice {
  serverType: string;
  location: string;
  /** Gross hourly price in EUR, as Hetzner prices it. */
  hourlyGross: number;
  architecture: "x86" | "arm";
  cores: number;
  memoryGb: number;
  /** Hetzner no longer sells it (e.g. CX22 since January 2026). */
  deprecated: boolean;
}

/** A Hetzner image (a snapshot, for Berth's purposes). */
export interface CloudImage {
  id: number;
  /** available, creating or unavailable. */
  status: string;
  /** ISO timestamp. */
  createdAt: string;
  architecture: "x86" | "arm";
  labels: Record<string, string>;
}

export interface ServerProvider {
  createServer(spec: ServerSpec): Promise<CloudServer>;
  /** null when the server does not exist (404). */
  getServer(id: number): Promise<CloudServer | null>;
  /** Every server matching a Hetzner label selector, across all pages. */
  listServers(labelSelector: string): Promise<CloudServer[]>;
  /** Idempotent: a server that is already gone counts as deleted. */
  deleteServer(id: number): Promise<void>;
  /** Prices of every server type in every location. */
  listServerTypePrices(): Promise<ServerTypePrice[]>;
  /** Snapshot images matching a label selector, for one architecture, across all pages. */
  listImages(labelSelector: string, architecture: "x86" | "arm"): Promise<CloudImage[]>;

  /** Every Cloud Firewall matching a label selector, across all pages. */
  listFirewalls(labelSelector: string): Promise<CloudFirewall[]>;
  createFirewall(spec: FirewallSpec): Promise<CloudFirewall>;
  /** Replaces the firewall's rules. */
  setFirewallRules(id: number, rules: FirewallRule[]): Promise<void>;
  /** Applies the firewall to these servers (each must not have it yet). */
  applyFirewall(id: number, serverIds: number[]): Promise<void>;
}

export interface DnsRecord {
  id: string;
  /** Fully qualified name. */
  name: string;
  type: string;
  content: string;
  comment: string | null;
  /** ISO timestamp. */
  createdOn: string;
}

export interface DnsProvider {
  /**
   * Makes sure exactly these A records exist for the workspace (names fully qualified, under
   * WORKSPACE_DOMAIN), pointing at `ipv4`, tagged with the deployment and workspace id in their
   * comment. Idempotent: existing correct records are kept, wrong ones replaced.
   */
  ensureWorkspaceRecords(workspaceId: string, names: string[], ipv4: string): Promise<DnsRecord[]>;
  /** Deletes every record tagged with the workspace id. Idempotent. Returns how many were deleted. */
  deleteWorkspaceRecords(workspaceId: string): Promise<number>;
  /**
   * Every record of this deployment (its comment prefix) under WORKSPACE_DOMAIN, across all pages.
   * Records of other deployments, or outside the domain, are never listed, changed or deleted.
   */
  listBerthRecords(): Promise<DnsRecord[]>;
}

/** A failed call to an outside service, with what the caller needs to decide whether to retry. */
export class ProviderError extends Error {
  readonly service: "hetzner" | "cloudflare";
  /** HTTP status, or 0 for a network error or timeout. */
  readonly status: number;
  /** The service's own error code (e.g. Hetzner `uniqueness_error`, Cloudflare `81058`), or `network`. */
  readonly code: string;
  /** Seconds to wait before retrying, from Retry-After / RateLimit-Reset, when rate limited. */
  readonly retryAfterSeconds: number | null;

  constructor(
    service: "hetzner" | "cloudflare",
    status: number,
    code: string,
    message: string,
    retryAfterSeconds: number | null = null,
  ) {
    super(`${service}: ${message}`);
    this.name = "ProviderError";
    this.service = service;
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Worth trying again later: network trouble, timeouts, 429 and 5xx. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
