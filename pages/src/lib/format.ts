/** Euro amounts: cents for larger sums, up to 4 decimals for the small hourly prices. */
export function formatEur(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "€0.00";
  const abs = Math.abs(value);
  const digits = abs >= 1 ? 2 : abs >= 0.1 ? 3 : 4;
  const fixed = value.toFixed(digits);
  // Trim trailing zeros past the cents: 0.0500 -> 0.05, 0.1230 -> 0.123.
  const trimmed = fixed.replace(/(\.\d\d\d*?)0+$/, "$1");
  return `€${trimmed}`;
}

export function formatHourly(value: number | null | undefined): string {
  return value === null || value === undefined ? "price unknown" : `${formatEur(value)}/h`;
}

/** Time left as m:ss, or h:mm:ss past an hour; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Milliseconds until an ISO instant (negative once it has passed); null for a missing/bad date. */
export function msUntil(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : at - now;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "unknown";
  const s = Math.round((now - at) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false });
}
