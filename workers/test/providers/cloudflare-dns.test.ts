import { localCloudControl } from "@berth/local-cloud/client";
import { dnsComment, dnsCommentPrefixFor } from "@berth/protocol";
import { describe, expect, test } from "vitest";
import { createCloudflareDnsProvider } from "../../src/providers/cloudflare-dns/index.ts";
import { ProviderError } from "../../src/providers/types.ts";
import { caught, cloudflareToken, cloudflareUrl, uniqueSuffix, zoneId, zoneName } from "./support.ts";

const control = localCloudControl(cloudflareUrl);
const deploymentId = "test";
const dnsCommentPrefix = dnsCommentPrefixFor(deploymentId);
const options = { baseUrl: cloudflareUrl, apiToken: cloudflareToken, zoneId, deploymentId, domain: zoneName };
const dns = createCloudflareDnsProvider(options);
const recordsPath = `/client/v4/zones/${zoneId}/dns_records`;

function names(id: string): string[] {
  return [`${id}.${zoneName}`, `*.${id}.${zoneName}`];
}

/** The zone's records carrying exactly this comment, read straight from local-cloud. */
async function recordsWithComment(comment: string) {
  const url = `${cloudflareUrl}/zones/${zoneId}/dns_records?comment.exact=${encodeURIComponent(comment)}&per_page=1000`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${cloudflareToken}` } });
  const body = (await res.json()) as { result: Array<{ id: string; name: string; content: string }> };
  return body.result;
}

/** Writes (POST / DELETE) local-cloud recorded for these record ids or this comment. */
async function writesFor(comment: string, ids: string[]) {
  return (await control.requests()).filter(
    (r) =>
      r.path.startsWith(recordsPath) &&
      ((r.method === "POST" && (r.body as { comment?: string } | null)?.comment === comment) ||
        (r.method === "DELETE" && ids.some((id) => r.path.endsWith(`/${id}`)))),
  );
}

// Faults are process-wide; tests in a file run one at a time (vitest default).
describe("cloudflare dns provider", () => {
  test("ensure creates both records, again changes nothing, a new IP replaces them", async () => {
    const id = `w${uniqueSuffix()}`;
    const comment = `${dnsCommentPrefix}${id}`;
    const first = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.5");
    expect(first.map((r) => r.name).sort()).toEqual([`*.${id}.localhost`, `${id}.localhost`]);
    for (const r of first)
      expect(r).toMatchObject({ type: "A", content: "127.0.10.5", comment, createdOn: expect.any(String) });
    const ids = first.map((r) => r.id);
    expect(await writesFor(comment, ids)).toHaveLength(2);

    const again = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.5");
    expect(again.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(await writesFor(comment, ids)).toHaveLength(2); // no new POST, no DELETE

    const moved = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.6");
    expect(moved.map((r) => r.content)).toEqual(["127.0.10.6", "127.0.10.6"]);
    const now = await recordsWithComment(comment);
    expect(now.map((r) => r.content)).toEqual(["127.0.10.6", "127.0.10.6"]);
    expect(now.map((r) => r.name).sort()).toEqual([`*.${id}.localhost`, `${id}.localhost`]);
    expect(now.some((r) => ids.includes(r.id))).toBe(false);

    expect(await dns.deleteWorkspaceRecords(id)).toBe(2);
    expect(await dns.deleteWorkspaceRecords(id)).toBe(0);
    expect(await recordsWithComment(comment)).toEqual([]);
  });

  test("ensure removes a stray record of the workspace under a name no longer wanted", async () => {
    const id = `w${uniqueSuffix()}`;
    await dns.ensureWorkspaceRecords(id, [...names(id), `old.${id}.localhost`], "127.0.10.7");
    const kept = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.7");
    expect(kept).toHaveLength(2);
    expect(await recordsWithComment(`${dnsCommentPrefix}${id}`)).toHaveLength(2);
    expect(await dns.deleteWorkspaceRecords(id)).toBe(2);
  });

  test("a lost create response, then ensure again, ends with exactly two records", async () => {
    const id = `w${uniqueSuffix()}`;
    await control.fault({ method: "POST", path: recordsPath, loseResponse: true });
    const err = await caught(() => dns.ensureWorkspaceRecords(id, names(id), "127.0.10.8"));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ service: "cloudflare", status: 0, code: "network" });

    const records = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.8");
    expect(records).toHaveLength(2);
    expect(await recordsWithComment(`${dnsCommentPrefix}${id}`)).toHaveLength(2);
    expect(await dns.deleteWorkspaceRecords(id)).toBe(2);
  });

  test("'identical record already exists' (81058) on create counts as success after re-listing", async () => {
    const id = `w${uniqueSuffix()}`;
    await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.9");
    // The list answers empty once, as if the records' creation had not been seen yet.
    await control.fault({
      method: "GET",
      path: recordsPath,
      status: 200,
      body: {
        success: true,
        errors: [],
        messages: [],
        result: [],
        result_info: { page: 1, per_page: 100, count: 0, total_count: 0, total_pages: 0 },
      },
    });
    const records = await dns.ensureWorkspaceRecords(id, names(id), "127.0.10.9");
    expect(records.map((r) => r.name).sort()).toEqual([`*.${id}.localhost`, `${id}.localhost`]);
    const statuses = (await control.requests())
      .filter((r) => r.method === "POST" && (r.body as { name?: string } | null)?.name === `${id}.localhost`)
      .map((r) => r.status);
    expect(statuses).toEqual([200, 400]);
    expect(await dns.deleteWorkspaceRecords(id)).toBe(2);
  });

  test("listBerthRecords pages through more than 100 records and skips foreign ones", async () => {
    const id = `w${uniqueSuffix()}`;
    const many = Array.from({ length: 103 }, (_, i) => `n${i}.${id}.${zoneName}`);
    expect(await dns.ensureWorkspaceRecords(id, many, "127.0.10.10")).toHaveLength(103);
    // Records Berth did not make: no comment, another comment, a prefix that differs only in case
    // (Cloudflare's comment filters ignore case).
    const foreign = [
      { name: `plain.${id}.${zoneName}` },
      { name: `other.${id}.${zoneName}`, comment: "someone else" },
      { name: `case.${id}.${zoneName}`, comment: `${dnsCommentPrefix.toUpperCase()}${id}` },
    ];
    for (const f of foreign) {
      const res = await fetch(`${cloudflareUrl}/zones/${zoneId}/dns_records`, {
        method: "POST",
        headers: { authorization: `Bearer ${cloudflareToken}`, "content-type": "application/json" },
        body: JSON.stringify({ type: "A", content: "127.0.10.11", ttl: 60, ...f }),
      });
      expect(res.status).toBe(200);
    }
    // Not clearRequests(): other test files share the recorder.
    const since = new Date(Date.now() - 1000).toISOString();
    const listed = await dns.listBerthRecords();
    const ours = listed.filter((r) => r.name.endsWith(`.${id}.${zoneName}`));
    expect(ours).toHaveLength(103);
    expect(listed.every((r) => r.comment?.startsWith(dnsCommentPrefix))).toBe(true);
    const gets = (await control.requests()).filter(
      (r) =>
        r.method === "GET" &&
        r.path === recordsPath &&
        r.at >= since &&
        r.query["comment.startswith"] === dnsCommentPrefix,
    );
    expect(gets.length).toBeGreaterThanOrEqual(2);
    expect(gets[0]?.query).toMatchObject({ "comment.startswith": dnsCommentPrefix, per_page: "100" });

    expect(await dns.deleteWorkspaceRecords(id)).toBe(103);
    // The foreign records are not Berth's to delete; clean them up directly.
    const left = await fetch(
      `${cloudflareUrl}/zones/${zoneId}/dns_records?name.endswith=.${id}.${zoneName}`,
      {
        headers: { authorization: `Bearer ${cloudflareToken}` },
      },
    );
    const leftIds = ((await left.json()) as { result: Array<{ id: string }> }).result.map((r) => r.id);
    expect(leftIds).toHaveLength(3);
    for (const rid of leftIds)
      await fetch(`${cloudflareUrl}/zones/${zoneId}/dns_records/${rid}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${cloudflareToken}` },
      });
  });

  test("only this deployment's records under WORKSPACE_DOMAIN are listed, changed or deleted", async () => {
    const id = `w${uniqueSuffix()}`;
    const domain = `d${id}.${zoneName}`;
    const scoped = createCloudflareDnsProvider({ ...options, domain });
    const post = async (name: string, comment: string) => {
      const res = await fetch(`${cloudflareUrl}/zones/${zoneId}/dns_records`, {
        method: "POST",
        headers: { authorization: `Bearer ${cloudflareToken}`, "content-type": "application/json" },
        body: JSON.stringify({ type: "A", content: "127.0.10.12", ttl: 60, name, comment }),
      });
      expect(res.status).toBe(200);
    };
    // Another deployment's record for the same workspace id, and one of ours outside the domain.
    await post(`${id}.${domain}`, dnsComment("prod", id));
    await post(`${id}.elsewhere-${id}.${zoneName}`, dnsComment(deploymentId, id));
    expect(await scoped.ensureWorkspaceRecords(id, [`${id}.${domain}`], "127.0.10.13")).toHaveLength(1);
    const listed = (await scoped.listBerthRecords()).filter((r) => r.name.includes(id));
    expect(listed.map((r) => [r.name, r.content])).toEqual([[`${id}.${domain}`, "127.0.10.13"]]);
    expect(await scoped.deleteWorkspaceRecords(id)).toBe(1);
    // Both foreign records are still there, untouched.
    expect((await recordsWithComment(dnsComment("prod", id))).map((r) => r.content)).toEqual(["127.0.10.12"]);
    const outside = await recordsWithComment(dnsComment(deploymentId, id));
    expect(outside.map((r) => r.name)).toEqual([`${id}.elsewhere-${id}.${zoneName}`]);
    // And it refuses to create names outside its domain at all.
    await expect(scoped.ensureWorkspaceRecords(id, [`x.${zoneName}`], "127.0.10.13")).rejects.toThrow(
      /not under/,
    );
    for (const r of [...(await recordsWithComment(dnsComment("prod", id))), ...outside])
      await fetch(`${cloudflareUrl}/zones/${zoneId}/dns_records/${r.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${cloudflareToken}` },
      });
  });

  test("a bad token maps to a 403 ProviderError without the token", async () => {
    const secret = `bad-${uniqueSuffix()}`;
    const bad = createCloudflareDnsProvider({ ...options, apiToken: secret });
    const err = await caught(() => bad.listBerthRecords());
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ service: "cloudflare", status: 403, code: "10000", retryable: false });
    expect((err as Error).message).not.toContain(secret);
  });

  test("429 carries Retry-After; 5xx is retryable; a refused connection is a network error", async () => {
    const id = `w${uniqueSuffix()}`;
    await control.fault({ method: "GET", path: recordsPath, status: 429 });
    const limited = await caught(() => dns.deleteWorkspaceRecords(id));
    expect(limited).toMatchObject({ status: 429, code: "971", retryAfterSeconds: 1 });

    await control.fault({ method: "GET", path: recordsPath, status: 503 });
    const down = (await caught(() => dns.listBerthRecords())) as ProviderError;
    expect(down).toMatchObject({ status: 503, code: "10001" });
    expect(down.retryable).toBe(true);

    const refused = createCloudflareDnsProvider({ ...options, baseUrl: "http://127.0.0.1:9/client/v4" });
    expect(await caught(() => refused.listBerthRecords())).toMatchObject({ status: 0, code: "network" });
  });
});
