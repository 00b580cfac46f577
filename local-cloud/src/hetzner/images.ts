/**
 * The Hetzner stand-in's images: Hetzner's system images (from the catalog) and the snapshots a
 * `create_image` action makes, in Hetzner's wire format. A snapshot reads `creating` until its
 * action finishes, then `available`; it outlives the server it was made from.
 */
import { systemImages } from "./catalog.ts";

export type ImageType = "system" | "snapshot" | "backup" | "app";

interface SnapshotRecord {
  image: Record<string, unknown> & { id: number; labels: Record<string, string> };
  readyAt: number;
}

export interface SnapshotInput {
  description: string;
  type: "snapshot" | "backup";
  labels: Record<string, string>;
  server: {
    id: number;
    name: string;
    architecture: string;
    diskGb: number;
    osFlavor: string;
    osVersion: string;
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

/** Snapshot ids start well above the catalog's, as Hetzner's are all in one id space. */
const FIRST_SNAPSHOT_ID = 300_000_001;

export class ImageStore {
  private snapshots = new Map<number, SnapshotRecord>();
  private nextId = FIRST_SNAPSHOT_ID;
  private readonly system = systemImages();

  private view(r: SnapshotRecord, now = Date.now()): Record<string, unknown> {
    const creating = now < r.readyAt;
    return {
      ...structuredClone(r.image),
      status: creating ? "creating" : "available",
      image_size: creating ? null : r.image.image_size,
    };
  }

  /** Every image, system ones first, each a fresh copy. */
  list(now = Date.now()): Record<string, unknown>[] {
    return [
      ...this.system.map((i) => structuredClone(i)),
      ...[...this.snapshots.values()].map((r) => this.view(r, now)),
    ];
  }

  get(id: number): Record<string, unknown> | undefined {
    const snap = this.snapshots.get(id);
    if (snap) return this.view(snap);
    const sys = this.system.find((i) => i.id === id);
    return sys ? structuredClone(sys) : undefined;
  }

  isSnapshot(id: number): boolean {
    return this.snapshots.has(id);
  }

  snapshotCount(): number {
    return this.snapshots.size;
  }

  /**
   * `image` as POST /servers takes it: a system image's name (for the server type's architecture)
   * or any image's id, as a number or a numeric string.
   */
  resolve(nameOrId: unknown, architecture: string): Record<string, unknown> | undefined {
    const id =
      typeof nameOrId === "number" ? nameOrId : /^\d+$/.test(String(nameOrId)) ? Number(nameOrId) : null;
    if (id !== null) return this.get(id);
    return this.list().find(
      (i) => i.name === nameOrId && i.architecture === architecture && i.type !== "snapshot",
    );
  }

  createSnapshot(input: SnapshotInput, durationMs: number): Record<string, unknown> {
    const now = Date.now();
    const id = this.nextId++;
    this.snapshots.set(id, {
      readyAt: now + durationMs,
      image: {
        id,
        type: input.type,
        status: "creating",
        name: null,
        description: input.description,
        image_size: 1.8,
        disk_size: input.server.diskGb,
        created: iso(now),
        created_from: { id: input.server.id, name: input.server.name },
        bound_to: input.type === "backup" ? input.server.id : null,
        os_flavor: input.server.osFlavor,
        os_version: input.server.osVersion,
        rapid_deploy: false,
        protection: { delete: false },
        deprecated: null,
        deleted: null,
        labels: { ...input.labels },
        architecture: input.server.architecture,
      },
    });
    return this.get(id) as Record<string, unknown>;
  }

  /** PUT /images/:id: description, labels, and a backup turned into a snapshot. */
  update(
    id: number,
    patch: { description?: string; labels?: Record<string, string>; type?: "snapshot" },
  ): Record<string, unknown> | undefined {
    const r = this.snapshots.get(id);
    if (!r) return undefined;
    if (patch.description !== undefined) r.image.description = patch.description;
    if (patch.labels !== undefined) r.image.labels = { ...patch.labels };
    if (patch.type === "snapshot") {
      r.image.type = "snapshot";
      r.image.bound_to = null;
    }
    return this.view(r);
  }

  delete(id: number): boolean {
    return this.snapshots.delete(id);
  }

  reset(): void {
    this.snapshots.clear();
    this.nextId = FIRST_SNAPSHOT_ID;
  }

  /** Snapshots only: the system images never change. */
  dump(): Record<string, unknown>[] {
    return [...this.snapshots.values()].map((r) => this.view(r));
  }
}

const SORT_KEYS = new Set(["id", "name", "created"]);

/** Hetzner's `sort` values: `id`, `name`, `created`, each optionally `:asc` or `:desc`; several allowed. */
export function parseSort(values: string[]): Array<{ key: string; desc: boolean }> | string {
  const out: Array<{ key: string; desc: boolean }> = [];
  for (const v of values) {
    const [key = "", dir = "asc", ...rest] = v.split(":");
    if (!SORT_KEYS.has(key) || (dir !== "asc" && dir !== "desc") || rest.length > 0) return v;
    out.push({ key, desc: dir === "desc" });
  }
  return out;
}

export function sortImages(
  images: Record<string, unknown>[],
  order: Array<{ key: string; desc: boolean }>,
): Record<string, unknown>[] {
  const cmp = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a) < String(b) ? -1 : 1;
  };
  return [...images].sort((x, y) => {
    for (const { key, desc } of order) {
      const c = cmp(x[key], y[key]);
      if (c !== 0) return desc ? -c : c;
    }
    return cmp(x.id, y.id);
  });
}
