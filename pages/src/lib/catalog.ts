import type { ServerTypeCatalog } from "../api/types.ts";

/**
 * The sizes and locations the create form offers. The list below is only what shows before
 * GET /api/server-types answers with what Hetzner sells now, and its prices.
 */
export interface ServerType {
  id: string;
  vcpus: number;
  ramGb: number;
  arch: "x86" | "Arm64";
  /** The cheapest location's gross hourly price, when known. */
  fromEurPerHour?: number;
}

export const serverTypes: readonly ServerType[] = [
  { id: "cx23", vcpus: 2, ramGb: 4, arch: "x86" },
  { id: "cx33", vcpus: 4, ramGb: 8, arch: "x86" },
  { id: "cx43", vcpus: 8, ramGb: 16, arch: "x86" },
  { id: "cax11", vcpus: 2, ramGb: 4, arch: "Arm64" },
  { id: "cax21", vcpus: 4, ramGb: 8, arch: "Arm64" },
];

export const defaultServerType = "cx23";

export function serverTypeLabel(t: ServerType): string {
  const price = t.fromEurPerHour === undefined ? "" : ` · from €${t.fromEurPerHour.toFixed(4)}/h`;
  return `${t.id} — ${t.vcpus} vCPU, ${t.ramGb} GB RAM, ${t.arch}${price}`;
}

export function serverTypesFromCatalog(catalog: ServerTypeCatalog): ServerType[] {
  return catalog.server_types.map((t) => ({
    id: t.name,
    vcpus: t.cores,
    ramGb: t.memory_gb,
    arch: t.architecture === "arm" ? "Arm64" : "x86",
    fromEurPerHour: Math.min(...t.prices.map((p) => p.hourly_eur)),
  }));
}

export const locations = [
  { id: "fsn1", label: "Falkenstein (fsn1)" },
  { id: "nbg1", label: "Nuremberg (nbg1)" },
  { id: "hel1", label: "Helsinki (hel1)" },
] as const;

export const defaultLocation = "fsn1";
