import { randomBytes } from "node:crypto";

export interface Zone {
  id: string;
  name: string;
}

export interface DnsRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  settings: Record<string, unknown>;
  meta: Record<string, unknown>;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

export interface RecordInput {
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string | null;
  tags: string[];
}

export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** Completes a relative record name with the zone ("@" is the apex). */
export function fqdn(name: string, zone: string): string {
  const n = normalizeName(name);
  if (n === "@" || n === "") return zone;
  if (n === zone || n.endsWith(`.${zone}`)) return n;
  return `${n}.${zone}`;
}

export class CloudflareState {
  readonly zones: Zone[];
  private records = new Map<string, DnsRecord>();

  constructor(zones: Zone[]) {
    this.zones = zones.map((z) => ({ id: z.id, name: normalizeName(z.name) }));
  }

  zone(id: string): Zone | undefined {
    return this.zones.find((z) => z.id === id);
  }

  /** Records of a zone (all zones when omitted), in creation order. */
  list(zoneId?: string): DnsRecord[] {
    return [...this.records.values()]
      .filter((r) => zoneId === undefined || r.zone_id === zoneId)
      .map((r) => ({ ...r }));
  }

  get(zoneId: string, id: string): DnsRecord | undefined {
    const r = this.records.get(id);
    return r && r.zone_id === zoneId ? { ...r, tags: [...r.tags] } : undefined;
  }

  findIdentical(zoneId: string, input: Pick<RecordInput, "name" | "type" | "content">, exceptId?: string) {
    return this.list(zoneId).find(
      (r) =>
        r.id !== exceptId && r.type === input.type && r.name === input.name && r.content === input.content,
    );
  }

  /** A CNAME cannot share its name with any other record, nor any record with a CNAME. */
  findCnameConflict(zoneId: string, input: Pick<RecordInput, "name" | "type">, exceptId?: string) {
    return this.list(zoneId).find(
      (r) => r.id !== exceptId && r.name === input.name && (input.type === "CNAME" || r.type === "CNAME"),
    );
  }

  create(zone: Zone, input: RecordInput): DnsRecord {
    const now = new Date().toISOString();
    const rec: DnsRecord = {
      id: randomBytes(16).toString("hex"),
      zone_id: zone.id,
      zone_name: zone.name,
      ...input,
      tags: [...input.tags],
      proxiable: ["A", "AAAA", "CNAME"].includes(input.type),
      settings: {},
      meta: {},
      created_on: now,
      modified_on: now,
    };
    this.records.set(rec.id, rec);
    return { ...rec, tags: [...rec.tags] };
  }

  update(zoneId: string, id: string, input: RecordInput): DnsRecord | undefined {
    const rec = this.records.get(id);
    if (!rec || rec.zone_id !== zoneId) return undefined;
    Object.assign(rec, input, { tags: [...input.tags], modified_on: new Date().toISOString() });
    return { ...rec, tags: [...rec.tags] };
  }

  delete(zoneId: string, id: string): boolean {
    const rec = this.records.get(id);
    if (!rec || rec.zone_id !== zoneId) return false;
    return this.records.delete(id);
  }

  /** True when some record sits at `name` or below it (the name exists in DNS terms). */
  private nodeExists(name: string): boolean {
    for (const r of this.records.values()) if (r.name === name || r.name.endsWith(`.${name}`)) return true;
    return false;
  }

  private exact(name: string, type: string): DnsRecord | undefined {
    for (const r of this.records.values()) if (r.name === name && r.type === type) return r;
    return undefined;
  }

  /**
   * Resolves a hostname to an IPv4 address like a DNS resolver would: an exact A record, a CNAME
   * inside the local zones (followed), or the wildcard `*.<closest encloser>` (RFC 4592).
   */
  resolve(hostname: string, depth = 0): string | null {
    const name = normalizeName(hostname);
    if (depth > 8 || name === "") return null;
    const a = this.exact(name, "A");
    if (a) return a.content;
    const cname = this.exact(name, "CNAME");
    if (cname) return this.resolve(cname.content, depth + 1);
    if (this.nodeExists(name)) return null; // the name exists, just without an A record
    const labels = name.split(".");
    for (let i = 1; i < labels.length; i++) {
      const encloser = labels.slice(i).join(".");
      if (!this.nodeExists(encloser)) continue;
      const wildcard = `*.${encloser}`;
      const wa = this.exact(wildcard, "A");
      if (wa) return wa.content;
      const wc = this.exact(wildcard, "CNAME");
      if (wc) return this.resolve(wc.content, depth + 1);
      return null; // closest encloser found, but it has no usable wildcard
    }
    return null;
  }

  reset(): void {
    this.records.clear();
  }

  dump(): { zones: Zone[]; records: DnsRecord[] } {
    return { zones: this.zones.map((z) => ({ ...z })), records: this.list() };
  }
}
