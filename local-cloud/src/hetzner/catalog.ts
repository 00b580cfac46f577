/** Static Hetzner catalog: locations, datacenters, server types, images (shapes as the real API). */

export interface Location {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export const LOCATIONS: Location[] = [
  {
    id: 1,
    name: "fsn1",
    description: "Falkenstein DC Park 1",
    country: "DE",
    city: "Falkenstein",
    latitude: 50.47612,
    longitude: 12.370071,
    network_zone: "eu-central",
  },
  {
    id: 2,
    name: "nbg1",
    description: "Nuremberg DC Park 1",
    country: "DE",
    city: "Nuremberg",
    latitude: 49.452102,
    longitude: 11.076665,
    network_zone: "eu-central",
  },
  {
    id: 3,
    name: "hel1",
    description: "Helsinki DC Park 1",
    country: "FI",
    city: "Helsinki",
    latitude: 60.169855,
    longitude: 24.938379,
    network_zone: "eu-central",
  },
];

const DATACENTER_NUMBERS: Record<string, [number, number]> = { fsn1: [4, 14], nbg1: [2, 3], hel1: [3, 2] };

interface TypeSpec {
  id: number;
  name: string;
  cores: number;
  memory: number;
  disk: number;
  cpu_type: "shared" | "dedicated";
  architecture: "x86" | "arm";
  monthlyNet: number;
  description: string;
  /** Hetzner keeps discontinued types listed, marked with a deprecation notice. */
  deprecation?: { announced: string; unavailable_after: string };
}

const TYPE_SPECS: TypeSpec[] = [
  {
    id: 104,
    name: "cx22",
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: "shared",
    architecture: "x86",
    monthlyNet: 3.79,
    description: "CX22",
    deprecation: { announced: "2025-10-01T00:00:00Z", unavailable_after: "2026-01-01T00:00:00Z" },
  },
  {
    id: 114,
    name: "cx23",
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: "shared",
    architecture: "x86",
    monthlyNet: 3.49,
    description: "CX23",
  },
  {
    id: 115,
    name: "cx33",
    cores: 4,
    memory: 8,
    disk: 80,
    cpu_type: "shared",
    architecture: "x86",
    monthlyNet: 5.49,
    description: "CX33",
  },
  {
    id: 116,
    name: "cx43",
    cores: 8,
    memory: 16,
    disk: 160,
    cpu_type: "shared",
    architecture: "x86",
    monthlyNet: 9.49,
    description: "CX43",
  },
  {
    id: 45,
    name: "cax11",
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: "shared",
    architecture: "arm",
    monthlyNet: 3.79,
    description: "CAX11",
  },
  {
    id: 93,
    name: "cax21",
    cores: 4,
    memory: 8,
    disk: 80,
    cpu_type: "shared",
    architecture: "arm",
    monthlyNet: 6.49,
    description: "CAX21",
  },
  {
    id: 108,
    name: "cpx22",
    cores: 2,
    memory: 4,
    disk: 80,
    cpu_type: "shared",
    architecture: "x86",
    monthlyNet: 5.99,
    description: "CPX22",
  },
];

export const DEFAULT_SERVER_TYPE = "cx23";

/** Hetzner prints prices as decimal strings with 10 fractional digits. */
function price(n: number): string {
  return n.toFixed(10);
}

const VAT = 1.19;

export function serverTypeObject(t: TypeSpec): Record<string, unknown> {
  const hourly = Math.round((t.monthlyNet / 730) * 10000) / 10000;
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    category: t.cpu_type === "shared" ? "cost_optimized" : "general_purpose",
    cores: t.cores,
    memory: t.memory,
    disk: t.disk,
    deprecated: Boolean(t.deprecation),
    deprecation: t.deprecation ?? null,
    storage_type: "local",
    cpu_type: t.cpu_type,
    architecture: t.architecture,
    prices: LOCATIONS.map((l) => ({
      location: l.name,
      price_hourly: { net: price(hourly), gross: price(hourly * VAT) },
      price_monthly: { net: price(t.monthlyNet), gross: price(t.monthlyNet * VAT) },
      included_traffic: 21990232555520,
      price_per_tb_traffic: { net: price(1), gross: price(VAT) },
    })),
    locations: LOCATIONS.map((l) => ({ id: l.id, name: l.name, deprecation: null })),
  };
}

export const SERVER_TYPES: Record<string, unknown>[] = TYPE_SPECS.map(serverTypeObject);

export function findServerType(nameOrId: unknown): Record<string, unknown> | undefined {
  return SERVER_TYPES.find((t) => t.name === nameOrId || (typeof nameOrId === "number" && t.id === nameOrId));
}

export function findLocation(nameOrId: unknown): Location | undefined {
  return LOCATIONS.find((l) => l.name === nameOrId || (typeof nameOrId === "number" && l.id === nameOrId));
}

export function datacenterObject(loc: Location): Record<string, unknown> {
  const [id, dc] = DATACENTER_NUMBERS[loc.name] ?? [loc.id, 1];
  const ids = SERVER_TYPES.map((t) => t.id as number);
  return {
    id,
    name: `${loc.name}-dc${dc}`,
    description: `${loc.city} ${loc.id} virtual DC ${dc}`,
    location: { ...loc },
    server_types: { supported: ids, available: ids, available_for_migration: ids },
  };
}

interface ImageSpec {
  id: number;
  name: string;
  description: string;
  os_flavor: string;
  os_version: string;
  type: "system" | "app";
}

const IMAGE_SPECS: ImageSpec[] = [
  {
    id: 161547269,
    name: "ubuntu-24.04",
    description: "Ubuntu 24.04",
    os_flavor: "ubuntu",
    os_version: "24.04",
    type: "system",
  },
  {
    id: 67794396,
    name: "ubuntu-22.04",
    description: "Ubuntu 22.04",
    os_flavor: "ubuntu",
    os_version: "22.04",
    type: "system",
  },
  {
    id: 114690387,
    name: "debian-12",
    description: "Debian 12",
    os_flavor: "debian",
    os_version: "12",
    type: "system",
  },
  {
    id: 276393633,
    name: "debian-13",
    description: "Debian 13",
    os_flavor: "debian",
    os_version: "13",
    type: "system",
  },
  {
    id: 177254035,
    name: "docker-ce",
    description: "Docker CE",
    os_flavor: "ubuntu",
    os_version: "24.04",
    type: "app",
  },
];

/** Every system/app image in both architectures (arm ids are the x86 id + 1), as Hetzner lists them. */
export function systemImages(): Record<string, unknown>[] {
  return IMAGE_SPECS.flatMap((spec) => (["x86", "arm"] as const).map((arch) => imageObject(spec, arch)));
}

function imageObject(spec: ImageSpec, architecture: string): Record<string, unknown> {
  return {
    id: architecture === "arm" ? spec.id + 1 : spec.id,
    type: spec.type,
    status: "available",
    name: spec.name,
    description: spec.description,
    image_size: null,
    disk_size: 5,
    created: "2024-04-25T12:00:00+00:00",
    created_from: null,
    bound_to: null,
    os_flavor: spec.os_flavor,
    os_version: spec.os_version,
    rapid_deploy: true,
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: {},
    architecture,
  };
}

export const IMAGE_NAMES: string[] = IMAGE_SPECS.map((i) => i.name);
