/**
 * A few composable value checks, for the handful of shapes the agent validates at run time (its
 * config and the control-plane callbacks). Not zod on purpose: zod builds its schemas when it is
 * imported, which costs the compiled agent ~10 MB of resident memory (zod/mini ~5). The full zod
 * schemas stay in @berth/protocol for the Worker; test/checks/protocol.test.ts holds these to the
 * same answers.
 */

export interface Issue {
  /** Dotted path to the offending value, "" for the value itself. */
  path: string;
  message: string;
}

/** Returns the value to keep (unknown keys dropped, URLs trimmed) and records what is wrong. */
export type Check<T> = (value: unknown, path: string, issues: Issue[]) => T;
/** A field that may be absent (`key?: T` in the object's type). */
export type OptionalCheck<T> = Check<T | undefined> & { optional: true };

type Out<C> = C extends Check<infer T> ? T : never;
type Shape = Record<string, Check<unknown>>;
type Flat<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends Shape> = Flat<
  { [K in keyof S as S[K] extends OptionalCheck<unknown> ? never : K]: Out<S[K]> } & {
    [K in keyof S as S[K] extends OptionalCheck<unknown> ? K : never]?: Exclude<Out<S[K]>, undefined>;
  }
>;

export type SafeParse<T> =
  | { success: true; data: T }
  | { success: false; error: { message: string; issues: Issue[] } };

const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

function fail<T>(issues: Issue[], path: string, message: string, value: unknown): T {
  issues.push({ path, message });
  return value as T;
}

export function string(opts: { min?: number; max?: number; pattern?: RegExp } = {}): Check<string> {
  const { min = 0, max = Number.POSITIVE_INFINITY, pattern } = opts;
  return (v, path, issues) => {
    if (typeof v !== "string") return fail(issues, path, "expected a string", v);
    if (v.length < min) return fail(issues, path, `too short: at least ${min} characters`, v);
    if (v.length > max) return fail(issues, path, `too long: at most ${max} characters`, v);
    if (pattern && !pattern.test(v)) return fail(issues, path, `must match ${pattern}`, v);
    return v;
  };
}

/** zod 4's z.email() pattern (regexes.email), so both accept the same addresses. */
export const emailPattern =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** A string matching `re` (as z.string().regex()). */
export function pattern(re: RegExp): Check<string> {
  return (v, path, issues) => {
    if (typeof v !== "string") return fail(issues, path, "expected a string", v);
    return re.test(v) ? v : fail(issues, path, `must match ${re}`, v);
  };
}

/** A safe integer within [min, max]. */
export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check<number> {
  return (v, path, issues) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      return fail(issues, path, "expected an integer", v);
    if (v < min) return fail(issues, path, `too small: at least ${min}`, v);
    if (v > max) return fail(issues, path, `too big: at most ${max}`, v);
    return v;
  };
}

/** A finite number of at least `min` (z.number().min(): no NaN, no Infinity). */
export function finite(min = Number.NEGATIVE_INFINITY): Check<number> {
  return (v, path, issues) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return fail(issues, path, "expected a number", v);
    if (v < min) return fail(issues, path, `too small: at least ${min}`, v);
    return v;
  };
}

export const boolean: Check<boolean> = (v, path, issues) =>
  typeof v === "boolean" ? v : fail(issues, path, "expected a boolean", v);

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return (v, path, issues) =>
    values.includes(v as string)
      ? (v as T[number])
      : fail(issues, path, `expected one of ${values.join(", ")}`, v);
}

/**
 * An absolute URL (as z.url(): trimmed, tabs and newlines removed). `http` also demands an
 * http(s):// scheme spelled out, and no credentials in it.
 */
export function url(opts: { http?: boolean } = {}): Check<string> {
  return (v, path, issues) => {
    if (typeof v !== "string") return fail(issues, path, "expected a string", v);
    const trimmed = v.trim();
    if (opts.http && !/^https?:\/\//i.test(trimmed)) return fail(issues, path, "expected an http(s) URL", v);
    if (!URL.canParse(trimmed)) return fail(issues, path, "expected a URL", v);
    const clean = trimmed.replace(/[\t\n\r]/g, "");
    if (opts.http && /^[a-z]+:\/\/[^/]*@/i.test(clean))
      return fail(issues, path, "must not carry credentials", v);
    return clean;
  };
}

/** An ISO 8601 UTC timestamp with seconds (z.iso.datetime(): `2026-01-02T03:04:05.678Z`). */
export const isoDatetime: Check<string> = (v, path, issues) => {
  if (typeof v !== "string") return fail(issues, path, "expected a string", v);
  const m = /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/.exec(v);
  // The calendar date must exist (no Feb 30); Date.UTC rolls an impossible day over.
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  const real = m && day && day.getUTCMonth() === Number(m[2]) - 1 && day.getUTCDate() === Number(m[3]);
  return real ? v : fail(issues, path, "expected an ISO timestamp in UTC", v);
};

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path, issues) => (v === null ? null : check(v, path, issues));
}

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  return Object.assign(
    (v: unknown, path: string, issues: Issue[]) => (v === undefined ? undefined : check(v, path, issues)),
    { optional: true as const },
  );
}

/** Absent: `fallback`. The field is required in the output type, like zod's `.default()`. */
export function withDefault<T>(check: Check<T>, fallback: T): Check<T> {
  return (v, path, issues) => (v === undefined ? fallback : check(v, path, issues));
}

/** Any plain object (a JSON object), kept as is. */
export const record: Check<Record<string, unknown>> = (v, path, issues) =>
  typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : fail(issues, path, "expected an object", v);

/** A JSON object whose every key matches `key` and every value passes `value` (as z.record). */
export function recordOf<T>(key: RegExp, value: Check<T>): Check<Record<string, T>> {
  return (v, path, issues) => {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      return fail(issues, path, "expected an object", v);
    const out: Record<string, T> = {};
    for (const [k, item] of Object.entries(v)) {
      if (!key.test(k)) fail(issues, at(path, k), `key must match ${key}`, k);
      // Plain assignment, as zod does: a "__proto__" key with a string value is dropped.
      out[k] = value(item, at(path, k), issues);
    }
    return out;
  };
}

/** An array of `min` to `max` items, each passing `item`. */
export function array<T>(item: Check<T>, opts: { min?: number; max?: number } = {}): Check<T[]> {
  const { min = 0, max = Number.POSITIVE_INFINITY } = opts;
  return (v, path, issues) => {
    if (!Array.isArray(v)) return fail(issues, path, "expected an array", v);
    if (v.length < min) return fail(issues, path, `too few: at least ${min} items`, v);
    if (v.length > max) return fail(issues, path, `too many: at most ${max} items`, v);
    return v.map((x, i) => item(x, at(path, String(i)), issues));
  };
}

/** Checks each field; unknown keys are dropped, absent optional ones stay absent. */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (v, path, issues) => {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      return fail(issues, path, "expected an object", v);
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const value = check(input[key], at(path, key), issues);
      if (value !== undefined || key in input) out[key] = value;
    }
    return out as ObjectOf<S>;
  };
}

/** A zod-like `safeParse` over a check, for callers that take either. */
export function parser<T>(check: Check<T>): { safeParse(value: unknown): SafeParse<T> } {
  return {
    safeParse(value) {
      const issues: Issue[] = [];
      const data = check(value, "", issues);
      if (issues.length === 0) return { success: true, data };
      const message = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
      return { success: false, error: { message, issues } };
    },
  };
}
