/** Fault injection rules, matched by method and pathname prefix. */
export interface FaultRule {
  method?: string;
  /** Prefix match on the pathname. */
  path: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Perform the real operation, then destroy the socket without answering. */
  loseResponse?: boolean;
  /** How many requests this rule applies to; default 1, 0 = until cleared. */
  times?: number;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number; // Infinity when times = 0
}

export function validateFaultRule(v: unknown): FaultRule | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "rule must be an object";
  const r = v as Record<string, unknown>;
  if (typeof r.path !== "string" || !r.path.startsWith("/")) return "path must be a string starting with /";
  if (r.method !== undefined && typeof r.method !== "string") return "method must be a string";
  if (
    r.status !== undefined &&
    (!Number.isInteger(r.status) || (r.status as number) < 100 || (r.status as number) > 599)
  )
    return "status must be an HTTP status code";
  if (r.delayMs !== undefined && (typeof r.delayMs !== "number" || r.delayMs < 0))
    return "delayMs must be >= 0";
  if (r.times !== undefined && (!Number.isInteger(r.times) || (r.times as number) < 0))
    return "times must be an integer >= 0";
  if (r.loseResponse !== undefined && typeof r.loseResponse !== "boolean")
    return "loseResponse must be boolean";
  if (r.headers !== undefined) {
    if (typeof r.headers !== "object" || r.headers === null) return "headers must be an object";
    for (const h of Object.values(r.headers))
      if (typeof h !== "string") return "header values must be strings";
  }
  return r as unknown as FaultRule;
}

export class FaultSet {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    this.rules.push({ rule, remaining: times === 0 ? Number.POSITIVE_INFINITY : times });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Returns the first matching rule and consumes one use of it. */
  take(method: string, pathname: string): FaultRule | null {
    const idx = this.rules.findIndex(
      (r) =>
        pathname.startsWith(r.rule.path) &&
        (r.rule.method === undefined || r.rule.method.toUpperCase() === method.toUpperCase()),
    );
    const active = this.rules[idx];
    if (!active) return null;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules.splice(idx, 1);
    return active.rule;
  }
}
