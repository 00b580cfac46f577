/** The sizes and locations the create form offers (any Hetzner type works through the API). */
export interface ServerType {
  id: string;
  vcpus: number;
  ramGb: number;
  arch: "x86" | "Arm64";
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
  return `${t.id} — ${t.vcpus} vCPU, ${t.ramGb} GB RAM, ${t.arch}`;
}

export const locations = [
  { id: "fsn1", label: "Falkenstein (fsn1)" },
  { id: "nbg1", label: "Nuremberg (nbg1)" },
  { id: "hel1", label: "Helsinki (hel1)" },
] as const;

export const defaultLocation = "fsn1";
