/** Hetzner (Kubernetes-style) label selectors: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b). */

export type Requirement =
  | { op: "exists"; key: string }
  | { op: "notexists"; key: string }
  | { op: "eq"; key: string; value: string }
  | { op: "neq"; key: string; value: string }
  | { op: "in"; key: string; values: string[] }
  | { op: "notin"; key: string; values: string[] };

const KEY = "[A-Za-z0-9][A-Za-z0-9._/-]*";
const VALUE = "[A-Za-z0-9._-]*";
const RE_NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const RE_SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const RE_EQ = new RegExp(`^(${KEY})\\s*(==|!=|=)\\s*(${VALUE})$`);
const RE_EXISTS = new RegExp(`^(${KEY})$`);

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0) throw new Error("unbalanced parentheses");
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw new Error("unbalanced parentheses");
  out.push(cur);
  return out.map((t) => t.trim());
}

/** Parses a selector; throws Error with a message on malformed input. */
export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  return splitTerms(selector).map((term) => {
    if (term === "") throw new Error("empty requirement");
    let m = RE_NOT_EXISTS.exec(term);
    if (m?.[1]) return { op: "notexists", key: m[1] };
    m = RE_SET.exec(term);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      const values = m[3].split(",").map((v) => v.trim());
      if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v)))
        throw new Error(`invalid values in '${term}'`);
      return m[2] === "in" ? { op: "in", key: m[1], values } : { op: "notin", key: m[1], values };
    }
    m = RE_EQ.exec(term);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      return m[2] === "!=" ? { op: "neq", key: m[1], value: m[3] } : { op: "eq", key: m[1], value: m[3] };
    }
    m = RE_EXISTS.exec(term);
    if (m?.[1]) return { op: "exists", key: m[1] };
    throw new Error(`invalid requirement '${term}'`);
  });
}

export function matchesRequirements(labels: Record<string, string>, reqs: Requirement[]): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case "exists":
        return has;
      case "notexists":
        return !has;
      case "eq":
        return has && v === r.value;
      case "neq":
        return !has || v !== r.value;
      case "in":
        return has && r.values.includes(v as string);
      case "notin":
        return !has || !r.values.includes(v as string);
      default:
        return false;
    }
  });
}

export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return matchesRequirements(labels, parseLabelSelector(selector));
}

const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const DNS_PREFIX = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Validates a label key: optional DNS-subdomain prefix and '/', then a name of at most 63 chars. */
export function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  if (slash === -1) return LABEL_NAME.test(key);
  return DNS_PREFIX.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/** Validates a label value: empty, or at most 63 chars of alphanumerics and -_. (alphanumeric at both ends). */
export function validLabelValue(value: string): boolean {
  return value === "" || LABEL_NAME.test(value);
}
