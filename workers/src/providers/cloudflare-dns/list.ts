import type Cloudflare from "cloudflare";
import type { DnsRecord } from "../types.ts";
import { cfCall } from "./errors.ts";

/** The fields of the SDK's RecordResponse union that every record type has. */
interface WireRecord {
  id: string;
  name: string;
  type: string;
  content?: string;
  comment?: string | null;
  created_on: string;
}

export function toDnsRecord(r: WireRecord): DnsRecord {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    content: r.content ?? "",
    comment: r.comment ?? null,
    createdOn: r.created_on,
  };
}

/** A guard against a paginator that never ends: 1000 pages of 100 records. */
const MAX_PAGES = 1000;

/**
 * Every record matching a comment filter, across all pages. The SDK's own iteration stops only at
 * an empty page; stopping at `total_pages` saves that request against the 1200/5 min budget.
 */
export async function listRecords(
  client: Cloudflare,
  zoneId: string,
  comment: { exact: string } | { startswith: string },
): Promise<DnsRecord[]> {
  return cfCall("list records", async () => {
    const out: DnsRecord[] = [];
    let pages = 0;
    const first = await client.dns.records.list({ zone_id: zoneId, comment, per_page: 100 });
    for await (const page of first.iterPages()) {
      out.push(...page.result.map((r) => toDnsRecord(r as WireRecord)));
      const info = page.result_info as { page?: number; total_pages?: number };
      if (++pages >= MAX_PAGES) break;
      if (info.total_pages !== undefined && (info.page ?? pages) >= info.total_pages) break;
    }
    return out;
  });
}
