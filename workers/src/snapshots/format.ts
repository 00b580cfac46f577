/** Sizes and the over-the-cap message, in the words people read on the timeline and the dashboard. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export interface TooLargeReport {
  size: number;
  max_bytes: number;
  biggest: Array<{ path: string; bytes: number }>;
}

export function tooLargeMessage(report: TooLargeReport, maxBytes: number): string {
  const folders = report.biggest
    .slice(0, 5)
    .map((f) => `${f.path.slice(0, 200)} (${formatBytes(f.bytes)})`)
    .join(", ");
  const head = `the snapshot would be ${formatBytes(report.size)}, over the ${formatBytes(maxBytes)} cap (SNAPSHOT_MAX_BYTES); nothing was cut`;
  return folders ? `${head}. Biggest folders: ${folders}` : head;
}

/** € per GB-month on R2 (standard storage), as the dashboard shows it. */
export const r2EurPerGbMonth = 0.014;

export function monthlyStorageEur(bytes: number): number {
  return (bytes / 1e9) * r2EurPerGbMonth;
}
