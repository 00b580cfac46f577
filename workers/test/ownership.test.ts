/**
 * Two deployments may share a Hetzner project or a Cloudflare zone: the sweep touches only its own
 * deployment's labelled servers and commented records, and only names under WORKSPACE_DOMAIN.
 */
import { env } from "cloudflare:workers";
import { dnsComment } from "@berth/protocol";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../src/config/check.ts";
import type { Env } from "../src/env.ts";
import { lifecycleDeps } from "../src/workspaces/deps.ts";
import { depsAt, readyWorkspace, recordsOf, serversOf, sweep } from "./support/lifecycle.ts";
import { freshLogin, signIn } from "./support/session.ts";

const minutes = (n: number) => n * 60_000;
const auth = { authorization: `Bearer ${env.CLOUDFLARE_API_TOKEN}` };
const recordsUrl = `${env.CLOUDFLARE_API_URL}/zones/${env.CLOUDFLARE_ZONE_ID}/dns_records`;

async function addRecord(name: string, comment: string, content: string): Promise<string> {
  const res = await fetch(recordsUrl, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ type: "A", name, content, ttl: 60, comment }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { id: string } }).result.id;
}

async function recordExists(id: string): Promise<boolean> {
  return (await fetch(`${recordsUrl}/${id}`, { headers: auth })).status === 200;
}

describe("ownership: the sweep touches only what this deployment made", () => {
  it("labels every server it creates with the deployment, and comments records with it", async () => {
    const deps = depsAt();
    expect(deps.deployment).toBe("test");
    const { id } = await readyWorkspace(await signIn(freshLogin("owner")));
    const [server] = await serversOf(id);
    expect(server?.labels).toMatchObject({ "berth.deployment": "test", "berth.workspace": id });
    const records = await recordsOf(id);
    expect(records.map((r) => r.comment)).toEqual([dnsComment("test", id), dnsComment("test", id)]);
  });

  it("another deployment's orphans, and our records outside WORKSPACE_DOMAIN, survive the sweep", async () => {
    const ghost = `wown${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
    const domain = `ws-${ghost}.localhost`;
    // This deployment, with WORKSPACE_DOMAIN a subdomain of the zone, six minutes from now (past
    // the orphan grace period for everything made below).
    const deps = {
      ...lifecycleDeps({ ...env, WORKSPACE_DOMAIN: domain }),
      now: () => Date.now() + minutes(6),
    };
    const server = (labels: Record<string, string>, name: string) =>
      deps.servers.createServer({
        name,
        serverType: "cx23",
        location: "fsn1",
        image: "ubuntu-24.04",
        userData: "#cloud-config\n",
        labels: { "berth.managed-by": "berth", "berth.workspace": ghost, ...labels },
      });
    const theirServer = await server({ "berth.deployment": "prod" }, `berth-${ghost}-prod`);
    const legacyServer = await server({}, `berth-${ghost}-nodeployment`);
    const ourServer = await server({ "berth.deployment": "test" }, `berth-${ghost}`);
    const theirRecord = await addRecord(`${ghost}.${domain}`, dnsComment("prod", ghost), "127.0.98.1");
    const outside = await addRecord(`${ghost}.localhost`, dnsComment("test", ghost), "127.0.98.2");
    const ourRecord = await addRecord(`*.${ghost}.${domain}`, dnsComment("test", ghost), "127.0.98.3");

    const report = await sweep(deps);
    expect(report.orphanServersDeleted).toContain(ourServer.id);
    expect(report.orphanServersDeleted).not.toContain(theirServer.id);
    expect(report.orphanServersDeleted).not.toContain(legacyServer.id);
    expect(await deps.servers.getServer(ourServer.id)).toBeNull();
    expect(await deps.servers.getServer(theirServer.id)).not.toBeNull();
    expect(await deps.servers.getServer(legacyServer.id)).not.toBeNull();
    expect(await recordExists(ourRecord)).toBe(false);
    expect(await recordExists(theirRecord)).toBe(true);
    expect(await recordExists(outside)).toBe(true);

    // Clean up what belongs to nobody in this test run.
    await deps.servers.deleteServer(theirServer.id);
    await deps.servers.deleteServer(legacyServer.id);
    for (const id of [theirRecord, outside])
      await fetch(`${recordsUrl}/${id}`, { method: "DELETE", headers: auth });
  });

  it("DEPLOYMENT_ID is required, with a clear message, and must fit a label and a comment", () => {
    const problem = (value: string | undefined) =>
      checkConfig({ ...env, DEPLOYMENT_ID: value } as unknown as Env).find(
        (p) => p.setting === "DEPLOYMENT_ID",
      );
    expect(problem(undefined)?.problem).toMatch(/^is not set: a short name for this deployment/);
    expect(problem("set-me")?.problem).toMatch(/placeholder/);
    for (const bad of ["Prod", "prod:1", "-prod", "a".repeat(33), "prod ws"]) {
      expect({ bad, problem: problem(bad)?.problem }).toEqual({
        bad,
        problem: expect.stringMatching(/lowercase/),
      });
    }
    expect(problem("prod")).toBeUndefined();
    expect(problem("eu-2")).toBeUndefined();
  });
});
