/**
 * Hetzner Cloud Firewalls as the API shows them: `{id, name, labels, created, rules, applied_to}`,
 * applied to servers by id. A server shows the firewalls applied to it in `public_net.firewalls`.
 */
import { validLabelKey, validLabelValue } from "./label-selector.ts";
import type { FieldError } from "./validate.ts";

export interface FirewallRule {
  description: string | null;
  direction: "in" | "out";
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  port: string | null;
  source_ips: string[];
  destination_ips: string[];
}

export interface Firewall {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: string;
  rules: FirewallRule[];
  applied_to: Array<{ type: "server"; server: { id: number } }>;
}

export interface FirewallInput {
  name: string;
  labels: Record<string, string>;
  rules: FirewallRule[];
  serverIds: number[];
}

const PROTOCOLS = new Set(["tcp", "udp", "icmp", "esp", "gre"]);
const PORT = /^(\d{1,5})(-(\d{1,5}))?$|^any$/;
const CIDR4 = /^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/;
const CIDR6 = /^[0-9a-fA-F:]+\/(\d|[1-9]\d|1[01]\d|12[0-8])$/;

function validCidr(value: unknown): boolean {
  return typeof value === "string" && (CIDR4.test(value) || CIDR6.test(value));
}

function fail(fields: FieldError[], name: string, message: string): void {
  fields.push({ name, messages: [message] });
}

/** One rule, or the field and message of what is wrong with it. */
function validateRule(r: unknown, at: string): FirewallRule | FieldError {
  const bad = (name: string, message: string): FieldError => ({ name: `${at}${name}`, messages: [message] });
  if (typeof r !== "object" || r === null) return bad("", "Not a valid mapping type.");
  const rule = r as Record<string, unknown>;
  const { direction, protocol, port } = rule;
  if (direction !== "in" && direction !== "out") return bad(".direction", "Must be in or out.");
  if (typeof protocol !== "string" || !PROTOCOLS.has(protocol))
    return bad(".protocol", "Must be one of tcp, udp, icmp, esp, gre.");
  const needsPort = protocol === "tcp" || protocol === "udp";
  if (needsPort && (typeof port !== "string" || !PORT.test(port)))
    return bad(".port", "Must be a port, a port range or any.");
  if (!needsPort && port !== undefined && port !== null)
    return bad(".port", `Must not be set for protocol ${protocol}.`);
  const ips = (key: "source_ips" | "destination_ips") => {
    const v = rule[key] ?? [];
    return Array.isArray(v) && v.every(validCidr) ? (v as string[]) : null;
  };
  const source = ips("source_ips");
  const destination = ips("destination_ips");
  if (source === null) return bad(".source_ips", "Must be a list of CIDRs.");
  if (destination === null) return bad(".destination_ips", "Must be a list of CIDRs.");
  if (direction === "in" && source.length === 0)
    return bad(".source_ips", "Must not be empty for direction in.");
  if (direction === "out" && destination.length === 0)
    return bad(".destination_ips", "Must not be empty for direction out.");
  return {
    description: typeof rule.description === "string" ? rule.description : null,
    direction,
    protocol: protocol as FirewallRule["protocol"],
    port: needsPort ? (port as string) : null,
    source_ips: source,
    destination_ips: destination,
  };
}

/** Validates a `rules` array as Hetzner does: tcp/udp need a port, in-rules need source_ips. */
export function validateRules(raw: unknown, fields: FieldError[]): FirewallRule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail(fields, "rules", "Not a valid list.");
    return [];
  }
  const rules: FirewallRule[] = [];
  raw.forEach((r, i) => {
    const v = validateRule(r, `rules.${i}`);
    if ("messages" in v) fields.push(v);
    else rules.push(v);
  });
  return rules;
}

/** Server ids from `[{type: "server", server: {id}}]` (apply_to / remove_from). */
export function validateResources(raw: unknown, field: string, fields: FieldError[]): number[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail(fields, field, "Not a valid list.");
    return [];
  }
  const ids: number[] = [];
  for (const r of raw as Array<Record<string, unknown>>) {
    const id = (r?.server as { id?: unknown } | undefined)?.id;
    if (r?.type !== "server" || typeof id !== "number" || !Number.isInteger(id)) {
      fail(fields, field, "Only resources of type server with an id are supported here.");
      return [];
    }
    ids.push(id);
  }
  return ids;
}

export function validateFirewallInput(
  body: Record<string, unknown>,
): { ok: true; input: FirewallInput } | { ok: false; fields: FieldError[] } {
  const fields: FieldError[] = [];
  const name = body.name;
  if (typeof name !== "string" || name.trim() === "")
    fail(fields, "name", "Missing data for required field.");
  const labels: Record<string, string> = {};
  if (body.labels !== undefined && body.labels !== null) {
    if (typeof body.labels !== "object" || Array.isArray(body.labels))
      fail(fields, "labels", "Not a valid mapping type.");
    else
      for (const [k, v] of Object.entries(body.labels as Record<string, unknown>)) {
        if (!validLabelKey(k) || typeof v !== "string" || !validLabelValue(v))
          fail(fields, "labels", `label '${k}' is invalid`);
        else labels[k] = v;
      }
  }
  const rules = validateRules(body.rules, fields);
  const serverIds = validateResources(body.apply_to, "apply_to", fields);
  if (fields.length > 0 || typeof name !== "string") return { ok: false, fields };
  return { ok: true, input: { name, labels, rules, serverIds } };
}

/** Firewalls and which servers they are applied to. */
export class FirewallStore {
  private readonly firewalls = new Map<number, Firewall>();
  private nextId = 1;

  create(input: Omit<FirewallInput, "serverIds">): Firewall {
    const id = this.nextId++;
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
    const fw: Firewall = {
      id,
      created,
      name: input.name,
      labels: { ...input.labels },
      rules: input.rules,
      applied_to: [],
    };
    this.firewalls.set(id, fw);
    return structuredClone(fw);
  }

  get(id: number): Firewall | undefined {
    const fw = this.firewalls.get(id);
    return fw ? structuredClone(fw) : undefined;
  }

  list(): Firewall[] {
    return [...this.firewalls.values()].sort((a, b) => a.id - b.id).map((f) => structuredClone(f));
  }

  nameTaken(name: string): boolean {
    for (const fw of this.firewalls.values()) if (fw.name === name) return true;
    return false;
  }

  /** false when it is still applied to a resource (Hetzner refuses with resource_in_use). */
  delete(id: number): boolean {
    const fw = this.firewalls.get(id);
    if (!fw || fw.applied_to.length > 0) return false;
    this.firewalls.delete(id);
    return true;
  }

  isApplied(id: number, serverId: number): boolean {
    return this.firewalls.get(id)?.applied_to.some((r) => r.server.id === serverId) ?? false;
  }

  apply(id: number, serverId: number): void {
    const fw = this.firewalls.get(id);
    if (fw && !this.isApplied(id, serverId)) fw.applied_to.push({ type: "server", server: { id: serverId } });
  }

  remove(id: number, serverId: number): void {
    const fw = this.firewalls.get(id);
    if (fw) fw.applied_to = fw.applied_to.filter((r) => r.server.id !== serverId);
  }

  setRules(id: number, rules: FirewallRule[]): void {
    const fw = this.firewalls.get(id);
    if (fw) fw.rules = rules;
  }

  update(id: number, patch: { name?: string; labels?: Record<string, string> }): Firewall | undefined {
    const fw = this.firewalls.get(id);
    if (!fw) return undefined;
    if (patch.name !== undefined) fw.name = patch.name;
    if (patch.labels !== undefined) fw.labels = { ...patch.labels };
    return structuredClone(fw);
  }

  /** A server's `public_net.firewalls`. */
  appliedTo(serverId: number): Array<{ id: number; status: "applied" }> {
    return this.list()
      .filter((fw) => fw.applied_to.some((r) => r.server.id === serverId))
      .map((fw) => ({ id: fw.id, status: "applied" as const }));
  }

  /** A deleted server is no longer a resource of any firewall. */
  forgetServer(serverId: number): void {
    for (const fw of this.firewalls.values()) this.remove(fw.id, serverId);
  }

  reset(): void {
    this.firewalls.clear();
    this.nextId = 1;
  }
}
