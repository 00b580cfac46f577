import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Workspace, workspaces } from "../src/db/schema/index.ts";
import { ensureFirewall } from "../src/reconciler/firewall.ts";
import { managedSelector } from "../src/reconciler/sweep.ts";
import { newWorkspaceRow } from "../src/workspaces/new-row.ts";
import { workspaceDnsNames } from "../src/workspaces/reconcile.ts";
import { cloudflare, depsAt, hetzner, sweep } from "./support/lifecycle.ts";
import { api, freshLogin, signIn } from "./support/session.ts";

const fleet = 200;

describe("API budgets", () => {
  it(`a sweep over ${fleet} live workspaces stays far inside Hetzner's 3600/h and Cloudflare's 1200/5 min`, async () => {
    const deps = depsAt();
    const cookie = await signIn(freshLogin("fleet"));
    const ownerId = ((await (await api("/api/me", { headers: { cookie } })).json()) as { id: string }).id;
    const now = new Date();
    const rows: Workspace[] = [];
    // As production makes them: labelled with the deployment, behind its firewall from the start.
    const firewall = await ensureFirewall(deps.servers, deps.deployment);
    for (let i = 0; i < fleet; i++) {
      const id = `wfleet${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
      const server = await deps.servers.createServer({
        name: `berth-${id}`,
        serverType: "cx23",
        location: "fsn1",
        image: "ubuntu-24.04",
        userData: "#cloud-config\n",
        labels: {
          "berth.managed-by": "berth",
          "berth.workspace": id,
          "berth.owner": ownerId,
          "berth.deployment": deps.deployment,
        },
        firewallIds: [firewall.id],
      });
      const ws: Workspace = {
        ...newWorkspaceRow(
          {
            id,
            ownerId,
            name: id,
            repoUrl: "https://example.test/r.git",
            branch: null,
            serverType: "cx23",
            location: "fsn1",
            idleTimeoutMinutes: 30,
            hostname: `${id}.localhost`,
            idempotencyKey: null,
            hourlyPrice: 0.0096,
          },
          now,
        ),
        state: "ready",
        stateReason: "test fleet",
        serverId: server.id,
        ipv4: server.ipv4,
        serverCreatedAt: now,
        bootstrapRedeemedAt: now,
        runtime: "host",
        readyAt: now,
        lastHeartbeatAt: now,
        openTerminals: 0,
      };
      await deps.dns.ensureWorkspaceRecords(id, workspaceDnsNames(ws), server.ipv4 ?? "");
      rows.push(ws);
    }
    // D1 binds at most 100 parameters per statement: one row (35 columns) at a time.
    for (const row of rows) await deps.db.insert(workspaces).values(row);

    await hetzner.clearRequests();
    await cloudflare.clearRequests();
    const report = await sweep(depsAt());
    const hetznerCalls = (await hetzner.requests()).length;
    const cloudflareCalls = (await cloudflare.requests()).length;
    console.log(
      `sweep over ${fleet} workspaces: ${hetznerCalls} Hetzner and ${cloudflareCalls} Cloudflare requests`,
    );

    expect(report.errors).toEqual([]);
    expect(report.reconciled).toBeGreaterThanOrEqual(fleet);
    // The firewall costs one listing a sweep, and nothing else while it is in place.
    const firewallCalls = (await hetzner.requests()).filter((r) => r.path.startsWith("/v1/firewalls"));
    expect(firewallCalls.map((r) => r.method)).toEqual(["GET"]);
    // One sweep a minute: 60 sweeps an hour against Hetzner, 5 per five minutes against Cloudflare.
    expect(hetznerCalls * 60).toBeLessThan(3600 / 4);
    expect(cloudflareCalls * 5).toBeLessThan(1200 / 4);

    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 50) {
      await deps.db
        .update(workspaces)
        .set({ state: "stopping" })
        .where(inArray(workspaces.id, ids.slice(i, i + 50)));
    }
    await sweep(depsAt());
    expect(
      (await deps.servers.listServers(managedSelector(deps.deployment))).filter((s) =>
        ids.includes(s.labels["berth.workspace"] ?? ""),
      ),
    ).toEqual([]);
  }, 120_000);
});
