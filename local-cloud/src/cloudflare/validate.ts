import { isIP } from "node:net";
import { type DnsRecord, fqdn, type RecordInput, type Zone } from "./state.ts";

export interface CfError {
  code: number;
  message: string;
}

const TYPES = new Set(["A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA", "SRV", "PTR", "HTTPS", "SVCB"]);
const LABEL = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/;

/**
 * Validates a create/update body. For PATCH pass the existing record as `base`: absent fields keep
 * their old values.
 */
export function validateRecord(
  body: Record<string, unknown>,
  zone: Zone,
  base?: DnsRecord,
): RecordInput | CfError {
  const pick = <K extends keyof DnsRecord>(k: K): unknown => (body[k] !== undefined ? body[k] : base?.[k]);
  const type = pick("type");
  if (typeof type !== "string" || type === "") return { code: 9004, message: "DNS record type is required." };
  if (!TYPES.has(type.toUpperCase()))
    return { code: 9004, message: `DNS record type '${type}' is not supported.` };
  const rawName = pick("name");
  if (typeof rawName !== "string" || rawName.trim() === "")
    return { code: 9007, message: "DNS name is required." };
  const name = fqdn(rawName, zone.name);
  if (name.length > 253 || !name.split(".").every((l, i) => LABEL.test(l) && (l !== "*" || i === 0)))
    return { code: 9005, message: "DNS name is invalid." };
  const content = pick("content");
  if (typeof content !== "string" || content === "") return { code: 9008, message: "Content is required." };
  const t = type.toUpperCase();
  if (t === "A" && isIP(content) !== 4)
    return { code: 9005, message: "Content for A record must be a valid IPv4 address." };
  if (t === "AAAA" && isIP(content) !== 6)
    return { code: 9006, message: "Content for AAAA record must be a valid IPv6 address." };
  const ttl = pick("ttl") ?? 1;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || (ttl !== 1 && (ttl < 60 || ttl > 86400)))
    return { code: 9021, message: "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic." };
  const proxied = pick("proxied") ?? false;
  if (typeof proxied !== "boolean")
    return { code: 9003, message: "Invalid 'proxied' value, must be a boolean." };
  if (proxied && !["A", "AAAA", "CNAME"].includes(t))
    return { code: 9004, message: `${t} records cannot be proxied.` };
  const comment = pick("comment") ?? null;
  if (comment !== null && typeof comment !== "string")
    return { code: 9200, message: "Comment must be a string." };
  if (typeof comment === "string" && comment.length > 500)
    return { code: 9200, message: "Comment is too long (maximum is 500 characters)." };
  const tags = pick("tags") ?? [];
  if (!Array.isArray(tags) || tags.some((x) => typeof x !== "string"))
    return { code: 9300, message: "Tags must be a list of strings." };
  return {
    name,
    type: t,
    content: t === "CNAME" ? content.toLowerCase().replace(/\.$/, "") : content,
    ttl,
    proxied,
    comment: comment === "" ? null : (comment as string | null),
    tags: tags as string[],
  };
}
