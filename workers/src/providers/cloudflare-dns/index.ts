import { dnsComment, dnsCommentPrefixFor } from "@berth/protocol";
import Cloudflare from "cloudflare";
import type { DnsProvider, DnsRecord } from "../types.ts";
import { IDENTICAL_RECORD_EXISTS, toProviderError } from "./errors.ts";
import { listRecords, toDnsRecord } from "./list.ts";

export interface CloudflareDnsOptions {
  /** e.g. https://api.cloudflare.com/client/v4 */
  baseUrl: string;
  apiToken: string;
  zoneId: string;
  /** This deployment's id: every record's comment carries it, and only its records are touched. */
  deploymentId: string;
  /**
   * WORKSPACE_DOMAIN: only names under it are ever created, changed or deleted, even when a record
   * elsewhere in the zone carries one of our comments.
   */
  domain: string;
  fetch?: typeof fetch;
}

/** Whether `name` is `domain` or below it (case-insensitive, ignoring a trailing dot). */
export function isUnderDomain(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  const d = domain.toLowerCase().replace(/\.$/, "");
  return n === d || n.endsWith(`.${d}`);
}

const TTL = 60;

/** The DnsProvider for one Cloudflare zone, through the official SDK. */
export function createCloudflareDnsProvider(opts: CloudflareDnsOptions): DnsProvider {
  const client = new Cloudflare({
    apiToken: opts.apiToken,
    baseURL: opts.baseUrl,
    // No retries: the reconciler retries on its next pass, and a retried create is what 81058 handles.
    maxRetries: 0,
    timeout: 15_000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const zone_id = opts.zoneId;

  const ours = (r: DnsRecord) => isUnderDomain(r.name, opts.domain);
  const byComment = async (comment: string) =>
    // Cloudflare's comment filters ignore case; our ids must match exactly.
    (await listRecords(client, zone_id, { exact: comment })).filter((r) => r.comment === comment && ours(r));

  /** Deletes one record; false when it was already gone. */
  const remove = async (id: string): Promise<boolean> => {
    try {
      await client.dns.records.delete(id, { zone_id });
      return true;
    } catch (e) {
      if (e instanceof Cloudflare.APIError && e.status === 404) return false;
      throw toProviderError(`delete record ${id}`, e);
    }
  };

  return {
    async ensureWorkspaceRecords(workspaceId, names, ipv4) {
      const comment = dnsComment(opts.deploymentId, workspaceId);
      const unsafe = names.find((n) => !isUnderDomain(n, opts.domain));
      if (unsafe) throw new Error(`refusing to manage ${unsafe}: not under ${opts.domain}`);
      const wanted = new Set(names.map((n) => n.toLowerCase().replace(/\.$/, "")));
      const kept = new Map<string, DnsRecord>();
      for (const r of await byComment(comment)) {
        const name = r.name.toLowerCase();
        const good = r.type === "A" && r.content === ipv4 && wanted.has(name) && !kept.has(name);
        if (good) kept.set(name, r);
        else await remove(r.id);
      }
      let lostCreate: unknown = null;
      for (const name of wanted) {
        if (kept.has(name)) continue;
        try {
          const created = await client.dns.records.create({
            zone_id,
            type: "A",
            name,
            content: ipv4,
            ttl: TTL,
            proxied: false,
            comment,
          });
          kept.set(name, toDnsRecord(created));
        } catch (e) {
          const err = toProviderError(`create record ${name}`, e);
          // A create whose first response was lost: the record is there, re-listing will show it.
          if ((err as { code?: unknown }).code !== IDENTICAL_RECORD_EXISTS) throw err;
          lostCreate = err;
        }
      }
      if (lostCreate === null) return [...kept.values()];
      const now = (await byComment(comment)).filter(
        (r) => r.type === "A" && r.content === ipv4 && wanted.has(r.name.toLowerCase()),
      );
      // Identical but not ours (no or another comment): report the conflict instead of hiding it.
      if (new Set(now.map((r) => r.name.toLowerCase())).size < wanted.size) throw lostCreate;
      return now;
    },

    async deleteWorkspaceRecords(workspaceId) {
      let deleted = 0;
      for (const r of await byComment(dnsComment(opts.deploymentId, workspaceId)))
        if (await remove(r.id)) deleted++;
      return deleted;
    },

    async listBerthRecords() {
      const prefix = dnsCommentPrefixFor(opts.deploymentId);
      const all = await listRecords(client, zone_id, { startswith: prefix });
      return all.filter((r) => r.comment?.startsWith(prefix) && ours(r));
    },
  };
}
