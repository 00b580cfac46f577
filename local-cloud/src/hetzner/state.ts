import { EventEmitter } from "node:events";
import { datacenterObject, type Location } from "./catalog.ts";
import { type Firewall, FirewallStore } from "./firewalls.ts";
import { ImageStore } from "./images.ts";

export type ServerStatus =
  | "initializing"
  | "starting"
  | "running"
  | "stopping"
  | "off"
  | "deleting"
  | "rebuilding"
  | "migrating"
  | "unknown";

type ServerBody = Record<string, unknown> & {
  id: number;
  name: string;
  labels: Record<string, string>;
  public_net: Record<string, unknown> & {
    ipv4: { id: number; ip: string; blocked: boolean; dns_ptr: string };
  };
};

/** A server as Hetzner returns it (user_data is never part of it). */
export type HetznerServer = ServerBody & { status: ServerStatus };

export interface ServerCreatedEvent {
  server: HetznerServer;
  /** The user_data the server was created with (null when none). */
  userData: string | null;
  ip: string;
}

export interface ServerDeletedEvent {
  server: HetznerServer;
  userData: string | null;
  ip: string;
}

interface ServerRecord {
  server: ServerBody;
  userData: string | null;
  createdAt: number;
  startAfterCreate: boolean;
  statusOverride: ServerStatus | null;
  /** Until this time an action (create_image) holds the server's lock: Hetzner answers 423 `locked`. */
  lockedUntil: number;
}

interface ActionRecord {
  id: number;
  command: string;
  startedAt: number;
  doneAt: number;
  resources: Array<{ id: number; type: string }>;
}

export interface CreateServerInput {
  name: string;
  serverType: Record<string, unknown>;
  location: Location;
  image: Record<string, unknown>;
  userData: string | null;
  labels: Record<string, string>;
  startAfterCreate: boolean;
  /** Firewall ids to apply at create (`firewalls: [{firewall: id}]`). */
  firewalls: number[];
}

/** Where servers' addresses start by default: 127.0.10.1 (all of 127/8 is loopback on Linux). */
export const DEFAULT_IP_BASE = "127.0.10.0";

function ipNumber(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || parts[0] !== 127)
    throw new Error(`servers' address base must be a loopback IPv4 address, got '${ip}'`);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function ipFromIndex(base: number, i: number): string {
  // Skip .0 and .255 in each /24 so every address is a plain host address.
  const n = base + Math.floor(i / 254) * 256 + (i % 254) + 1;
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Hetzner's per-project limits; creates beyond them answer 403 `resource_limit_exceeded`. None by
 * default (a project's real limits vary); tests set them through `/__berth/hetzner/limits`.
 */
export interface HetznerLimits {
  servers: number;
  snapshots: number;
}

const NO_LIMITS: HetznerLimits = { servers: Number.POSITIVE_INFINITY, snapshots: Number.POSITIVE_INFINITY };

export class HetznerState {
  /** Milliseconds after creation before a server reads as "running" (0 = at once). */
  bootMs: number;
  /** Milliseconds a create_image action runs before its snapshot is `available`. */
  imageMs: number;
  limits: HetznerLimits = { ...NO_LIMITS };
  readonly images = new ImageStore();
  private servers = new Map<number, ServerRecord>();
  private actions = new Map<number, ActionRecord>();
  private nextServerId = 1;
  private nextActionId = 1;
  private nextIpIndex = 0;
  private readonly events = new EventEmitter();
  readonly firewalls = new FirewallStore();

  private readonly ipBase: number;

  /** ipBase: the /24 servers' addresses come from (a VM binds its address on this machine). */
  constructor(opts: { bootMs?: number; imageMs?: number; ipBase?: string } = {}) {
    this.ipBase = ipNumber(opts.ipBase ?? DEFAULT_IP_BASE) & ~255;
    this.bootMs = opts.bootMs ?? 1000;
    this.imageMs = opts.imageMs ?? 500;
    this.events.setMaxListeners(100);
  }

  onServerCreated(cb: (e: ServerCreatedEvent) => void): () => void {
    this.events.on("created", cb);
    return () => this.events.off("created", cb);
  }

  onServerDeleted(cb: (e: ServerDeletedEvent) => void): () => void {
    this.events.on("deleted", cb);
    return () => this.events.off("deleted", cb);
  }

  private status(r: ServerRecord, now: number): ServerStatus {
    if (r.statusOverride) return r.statusOverride;
    if (now - r.createdAt < this.bootMs) return "initializing";
    return r.startAfterCreate ? "running" : "off";
  }

  private view(r: ServerRecord, now = Date.now()): HetznerServer {
    const server = {
      ...structuredClone(r.server),
      status: this.status(r, now),
      locked: now < r.lockedUntil,
    } as HetznerServer;
    server.public_net.firewalls = this.firewalls.appliedTo(r.server.id);
    return server;
  }

  nameTaken(name: string): boolean {
    for (const r of this.servers.values()) if (r.server.name === name) return true;
    return false;
  }

  private addAction(
    command: string,
    resourceId: number,
    durationMs: number,
    resources = [{ id: resourceId, type: "server" }],
  ): number {
    const now = Date.now();
    const id = this.nextActionId++;
    this.actions.set(id, { id, command, startedAt: now, doneAt: now + durationMs, resources });
    return id;
  }

  /** An action on a firewall (and the server it concerns, if any), as Hetzner's action object. */
  firewallAction(command: string, firewallId: number, serverId: number | null): Record<string, unknown> {
    const resources = [{ id: firewallId, type: "firewall" }];
    if (serverId !== null) resources.push({ id: serverId, type: "server" });
    return this.getAction(this.addAction(command, firewallId, 0, resources)) ?? {};
  }

  createServer(input: CreateServerInput): { server: HetznerServer; actionId: number } {
    const id = this.nextServerId++;
    const ip = ipFromIndex(this.ipBase, this.nextIpIndex++);
    const now = Date.now();
    const created = new Date(now).toISOString().replace(/\.\d{3}Z$/, "+00:00");
    const rec: ServerRecord = {
      server: {
        id,
        name: input.name,
        created,
        public_net: {
          ipv4: {
            id: 100000 + id,
            ip,
            blocked: false,
            dns_ptr: `static.${ip.split(".").reverse().join(".")}.clients.your-server.de`,
          },
          ipv6: null,
          floating_ips: [],
          firewalls: [],
        },
        private_net: [],
        server_type: structuredClone(input.serverType),
        datacenter: datacenterObject(input.location),
        image: structuredClone(input.image),
        iso: null,
        rescue_enabled: false,
        locked: false,
        backup_window: null,
        outgoing_traffic: 0,
        ingoing_traffic: 0,
        included_traffic: 21990232555520,
        protection: { delete: false, rebuild: false },
        labels: { ...input.labels },
        volumes: [],
        load_balancers: [],
        primary_disk_size: input.serverType.disk,
        placement_group: null,
      },
      userData: input.userData,
      createdAt: now,
      startAfterCreate: input.startAfterCreate,
      statusOverride: null,
      lockedUntil: 0,
    };
    this.servers.set(id, rec);
    for (const fw of input.firewalls) this.firewalls.apply(fw, id);
    const actionId = this.addAction("create_server", id, this.bootMs);
    const server = this.view(rec, now);
    this.events.emit("created", { server, userData: rec.userData, ip } satisfies ServerCreatedEvent);
    return { server, actionId };
  }

  deleteServer(id: number): number | null {
    const rec = this.servers.get(id);
    if (!rec) return null;
    const server = this.view(rec);
    this.servers.delete(id);
    this.firewalls.forgetServer(id);
    const actionId = this.addAction("delete_server", id, Math.min(this.bootMs, 500));
    this.events.emit("deleted", {
      server,
      userData: rec.userData,
      ip: server.public_net.ipv4.ip,
    } satisfies ServerDeletedEvent);
    return actionId;
  }

  getServer(id: number): HetznerServer | undefined {
    const rec = this.servers.get(id);
    return rec ? this.view(rec) : undefined;
  }

  listServers(): HetznerServer[] {
    const now = Date.now();
    return [...this.servers.values()].sort((a, b) => a.server.id - b.server.id).map((r) => this.view(r, now));
  }

  userData(id: number): string | null | undefined {
    return this.servers.get(id)?.userData;
  }

  /** Forces a status (e.g. a VM simulator reporting "running" or "off"); null returns to the timed default. */
  setServerStatus(id: number, status: ServerStatus | null): boolean {
    const rec = this.servers.get(id);
    if (!rec) return false;
    rec.statusOverride = status;
    return true;
  }

  /** PUT /servers/:id: rename and/or replace labels. */
  updateServer(
    id: number,
    patch: { name?: string; labels?: Record<string, string> },
  ): HetznerServer | undefined {
    const rec = this.servers.get(id);
    if (!rec) return undefined;
    if (patch.name !== undefined) rec.server.name = patch.name;
    if (patch.labels !== undefined) rec.server.labels = { ...patch.labels };
    return this.view(rec);
  }

  /** Power actions: records an action and moves the server to the resulting status. */
  powerAction(id: number, command: string, status: ServerStatus): number | null {
    const rec = this.servers.get(id);
    if (!rec) return null;
    rec.statusOverride = status;
    return this.addAction(command, id, 0);
  }

  isLocked(id: number): boolean {
    const rec = this.servers.get(id);
    return rec !== undefined && Date.now() < rec.lockedUntil;
  }

  /**
   * The guest powered itself off (`poweroff` inside the VM): Hetzner then reads the server as
   * `off`. The stand-in runs no guest of its own, so a VM simulator or a test reports it.
   */
  guestPoweredOff(id: number): boolean {
    return this.setServerStatus(id, "off");
  }

  /**
   * POST /servers/:id/actions/create_image: a snapshot that reads `creating` while the action
   * runs (the server locked meanwhile), then `available`.
   */
  createImage(
    id: number,
    input: { description: string; type: "snapshot" | "backup"; labels: Record<string, string> },
  ): { image: Record<string, unknown>; actionId: number } | "not_found" | "locked" | "limit" {
    const rec = this.servers.get(id);
    if (!rec) return "not_found";
    const now = Date.now();
    if (now < rec.lockedUntil) return "locked";
    if (this.images.snapshotCount() >= this.limits.snapshots) return "limit";
    const type = rec.server.server_type as { architecture?: string; disk?: number };
    const os = rec.server.image as { os_flavor?: string; os_version?: string };
    const image = this.images.createSnapshot(
      {
        ...input,
        server: {
          id,
          name: rec.server.name,
          architecture: type.architecture ?? "x86",
          diskGb: type.disk ?? 40,
          osFlavor: os.os_flavor ?? "unknown",
          osVersion: os.os_version ?? "",
        },
      },
      this.imageMs,
    );
    rec.lockedUntil = now + this.imageMs;
    const actionId = this.addAction("create_image", id, this.imageMs, [
      { id, type: "server" },
      { id: image.id as number, type: "image" },
    ]);
    return { image, actionId };
  }

  /**
   * A snapshot made elsewhere, available at once: e.g. the local VM image, built by docker from the
   * same recipe as `pnpm build:image`'s, registered so workspaces boot "from the Berth image".
   */
  registerSnapshot(input: {
    description: string;
    labels: Record<string, string>;
    architecture: "x86" | "arm";
  }): Record<string, unknown> {
    return this.images.createSnapshot(
      {
        description: input.description,
        type: "snapshot",
        labels: input.labels,
        server: {
          id: 0,
          name: "local-image",
          architecture: input.architecture,
          diskGb: 40,
          osFlavor: "debian",
          osVersion: "12",
        },
      },
      0,
    );
  }

  serverCount(): number {
    return this.servers.size;
  }

  getAction(id: number): Record<string, unknown> | undefined {
    const a = this.actions.get(id);
    if (!a) return undefined;
    const now = Date.now();
    const done = now >= a.doneAt;
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
    return {
      id: a.id,
      command: a.command,
      status: done ? "success" : "running",
      progress: done
        ? 100
        : Math.min(99, Math.floor(((now - a.startedAt) / Math.max(1, a.doneAt - a.startedAt)) * 100)),
      started: iso(a.startedAt),
      finished: done ? iso(a.doneAt) : null,
      resources: a.resources.map((r) => ({ ...r })),
      error: null,
    };
  }

  /** Deletes every server (emitting deleted events so simulators stop their VMs) and restarts numbering. */
  reset(): void {
    for (const id of [...this.servers.keys()]) this.deleteServer(id);
    this.servers.clear();
    this.actions.clear();
    this.nextServerId = 1;
    this.nextActionId = 1;
    this.nextIpIndex = 0;
    this.firewalls.reset();
    this.images.reset();
    this.limits = { ...NO_LIMITS };
  }

  dump(): {
    servers: Array<HetznerServer & { user_data: string | null }>;
    firewalls: Firewall[];
    images: Record<string, unknown>[];
  } {
    const now = Date.now();
    return {
      servers: [...this.servers.values()].map((r) => ({ ...this.view(r, now), user_data: r.userData })),
      firewalls: this.firewalls.list(),
      images: this.images.dump(),
    };
  }
}
