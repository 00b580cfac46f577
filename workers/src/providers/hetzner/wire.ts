import type {
  CloudFirewall,
  CloudImage,
  CloudServer,
  FirewallRule,
  ServerSpec,
  ServerTypePrice,
} from "../types.ts";

/** The parts of Hetzner's JSON we read. Optional/nullable where Hetzner documents null. */
export interface WireServer {
  id: number;
  name: string;
  status: string;
  created: string;
  labels?: Record<string, string> | null;
  public_net?: {
    ipv4?: { ip?: string | null } | null;
    firewalls?: Array<{ id: number; status?: string }> | null;
  } | null;
  server_type?: { name?: string } | null;
}

export interface WirePrice {
  location: string;
  price_hourly: { net: string; gross: string };
}

export interface WireServerType {
  name: string;
  architecture?: string;
  cores?: number;
  memory?: number;
  deprecation?: unknown;
  prices?: WirePrice[];
}

export interface WirePagination {
  meta?: { pagination?: { next_page?: number | null } | null } | null;
}

export function toCloudServer(s: WireServer): CloudServer {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    ipv4: s.public_net?.ipv4?.ip ?? null,
    labels: { ...(s.labels ?? {}) },
    createdAt: s.created,
    serverType: s.server_type?.name ?? "",
    firewallIds: (s.public_net?.firewalls ?? []).map((f) => f.id),
  };
}

export interface WireFirewall {
  id: number;
  name: string;
  labels?: Record<string, string> | null;
  rules?: Array<Partial<FirewallRule>> | null;
  applied_to?: Array<{ type: string; server?: { id: number } | null }> | null;
}

export function toCloudFirewall(f: WireFirewall): CloudFirewall {
  return {
    id: f.id,
    name: f.name,
    labels: { ...(f.labels ?? {}) },
    rules: (f.rules ?? []).map((r) => ({
      direction: r.direction === "out" ? "out" : "in",
      protocol: r.protocol ?? "tcp",
      port: r.port ?? null,
      source_ips: [...(r.source_ips ?? [])],
      destination_ips: [...(r.destination_ips ?? [])],
      description: r.description ?? null,
    })),
    serverIds: (f.applied_to ?? []).flatMap((a) => (a.type === "server" && a.server ? [a.server.id] : [])),
  };
}

/** One entry per (type, location); Hetzner prints prices as decimal strings like "0.0057000000". */
export function toPrices(t: WireServerType): ServerTypePrice[] {
  const architecture = t.architecture === "arm" ? "arm" : "x86";
  const out: ServerTypePrice[] = [];
  for (const p of t.prices ?? []) {
    const hourlyGross = Number.parseFloat(p.price_hourly.gross);
    if (!Number.isFinite(hourlyGross)) continue;
    out.push({
      serverType: t.name,
      location: p.location,
      hourlyGross,
      architecture,
      cores: t.cores ?? 0,
      memoryGb: t.memory ?? 0,
      deprecated: Boolean(t.deprecation),
    });
  }
  return out;
}

export interface WireImage {
  id: number;
  status: string;
  created: string;
  architecture?: string | null;
  labels?: Record<string, string> | null;
}

export function toCloudImage(i: WireImage): CloudImage {
  return {
    id: i.id,
    status: i.status,
    createdAt: i.created,
    architecture: i.architecture === "arm" ? "arm" : "x86",
    labels: { ...(i.labels ?? {}) },
  };
}

/**
 * POST /servers' body, for a workspace's VM and an image build alike: started at once, IPv4 only,
 * behind its firewalls from the first boot when it names any.
 */
export function serverCreateBody(spec: ServerSpec) {
  return {
    name: spec.name,
    server_type: spec.serverType,
    location: spec.location,
    image: spec.image,
    user_data: spec.userData,
    labels: spec.labels,
    start_after_create: true,
    public_net: { enable_ipv4: true, enable_ipv6: false },
    ...(spec.firewallIds?.length ? { firewalls: spec.firewallIds.map((firewall) => ({ firewall })) } : {}),
  };
}
