import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createHetznerProvider } from "../src/providers/hetzner/index.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow } from "../src/workspaces/service.ts";
import { transition } from "../src/workspaces/store.ts";
import {
  clearAllFaults,
  cloudflare,
  createWorkspace,
  depsAt,
  expectInvariants,
  hetzner,
  load,
  readyWorkspace,
  recordsOf,
  serversOf,
  sweep,
  vmCall,
  waitFor,
  waitForState,
} from "./support/lifecycle.ts";
import { api, freshLogin, signInWithId } from "./support/session.ts";
import { randomBytes, uploadSnapshot } from "./support/snapshots.ts";

const later = 3 * 60_000; // past the sweep's in-flight grace

afterEach(clearAllFaults);

async function settleAndCheck() {
  await sweep(depsAt(later));
  await expectInvariants();
}

describe("faults while creating", () => {
  for (const fault of [
    { name: "500", rule: { status: 500 } },
    { name: "429 with Retry-After", rule: { status: 429, headers: { "Retry-After": "1" } } },
  ]) {
    it(`Hetzner ${fault.name} on create: the request still succeeds, the sweep provisions it later`, async () => {
      const { cookie } = await signInWithId(freshLogin("fault"));
      await hetzner.fault({ method: "POST", path: "/v1/servers", times: 1, ...fault.rule });
      const { res, body } = await createWorkspace(cookie);
      expect(res.status).toBe(201);
      const failed = await waitFor("the first attempt to fail", async () => {
        const ws = await load(body.id);
        return ws.lastError ? ws : null;
      });
      expect(failed.state).toBe("provisioning");
      expect(await serversOf(body.id)).toHaveLength(0);

      await sweep(depsAt(later));
      const ws = await load(body.id);
      expect(ws.state, ws.stateReason ?? "").toBe("booting");
      expect(ws.lastError).toBeNull();
      expect(await serversOf(body.id)).toHaveLength(1);
      expect(await recordsOf(body.id)).toHaveLength(2);
      await api(`/api/workspaces/${body.id}`, { method: "DELETE", headers: { cookie } });
      await waitForState(body.id, "deleted");
      await settleAndCheck();
    });
  }

  it("a Hetzner timeout on create, where the server is made anyway, never yields a second VM", async () => {
    const { userId } = await signInWithId(freshLogin("timeout"));
    const base = depsAt();
    // The same client as production, with a short timeout so the test need not wait 15 s.
    const servers = createHetznerProvider({
      baseUrl: env.HETZNER_API_URL,
      token: env.HETZNER_TOKEN,
      timeoutMs: 300,
    });
    const deps = { ...base, servers };
    const { workspace } = await createRow(deps, userId, { repo_url: "https://example.test/r.git" }, null);
    await hetzner.fault({ method: "POST", path: "/v1/servers", delayMs: 800, times: 1 });
    const first = await reconcileWorkspace(deps, workspace);
    expect(first.lastError).toMatch(/network|timed out|abort/i);
    await waitFor("the delayed create to land", async () => (await serversOf(workspace.id)).length === 1);
    const second = await reconcileWorkspace(deps, await load(workspace.id));
    expect(second.state).toBe("booting");
    expect(await serversOf(workspace.id)).toHaveLength(1);
    await stopAndSettle(deps, workspace.id);
  });

  it("server created but the response lost: the retry adopts it by label", async () => {
    const { userId } = await signInWithId(freshLogin("lost"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: "https://example.test/r.git" }, null);
    await hetzner.fault({ method: "POST", path: "/v1/servers", loseResponse: true, times: 1 });
    const first = await reconcileWorkspace(deps, workspace);
    expect(first.state).toBe("provisioning");
    expect(first.lastError).toBeTruthy();
    const [orphan] = await serversOf(workspace.id);
    expect(orphan).toBeDefined();
    const second = await reconcileWorkspace(deps, await load(workspace.id));
    expect(second.state).toBe("booting");
    expect(second.serverId).toBe(orphan?.id);
    expect(await serversOf(workspace.id)).toHaveLength(1);
    await stopAndSettle(deps, workspace.id);
  });

  it("DNS failing after the server exists: no record without a server, then it completes", async () => {
    const { userId } = await signInWithId(freshLogin("dnsfail"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: "https://example.test/r.git" }, null);
    await cloudflare.fault({ method: "POST", path: "/client/v4/zones", status: 500, times: 0 });
    const first = await reconcileWorkspace(deps, workspace);
    expect(first.state).toBe("provisioning");
    expect((await load(workspace.id)).serverId).not.toBeNull();
    expect(await recordsOf(workspace.id)).toHaveLength(0);
    await expectInvariants();
    await cloudflare.clearFaults();
    const second = await reconcileWorkspace(deps, await load(workspace.id));
    expect(second.state).toBe("booting");
    expect(await serversOf(workspace.id)).toHaveLength(1);
    expect(await recordsOf(workspace.id)).toHaveLength(2);
    await stopAndSettle(deps, workspace.id);
  });

  it("Hetzner refusing the server type outright fails the workspace and leaves nothing", async () => {
    const { userId } = await signInWithId(freshLogin("refused"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: "https://example.test/r.git" }, null);
    await hetzner.fault({ method: "POST", path: "/v1/servers", status: 422, times: 1 });
    const after = await reconcileWorkspace(deps, workspace);
    expect(after.state).toBe("failed");
    expect(await serversOf(workspace.id)).toHaveLength(0);
    await settleAndCheck();
  });
});

describe("faults while stopping", () => {
  it("a server delete failing once leaves the workspace stopping; the sweep finishes it", async () => {
    const { cookie } = await signInWithId(freshLogin("delfail"));
    const { id } = await readyWorkspace(cookie);
    const serverId = (await load(id)).serverId;
    await hetzner.fault({ method: "DELETE", path: `/v1/servers/${serverId}`, status: 500, times: 1 });
    await api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } });
    const stuck = await waitFor("the delete to fail", async () => {
      const ws = await load(id);
      return ws.lastError ? ws : null;
    });
    expect(stuck.state).toBe("stopping");
    expect(await recordsOf(id)).toHaveLength(0); // DNS goes first
    await sweep(depsAt(later));
    expect((await load(id)).state).toBe("deleted");
    expect(await serversOf(id)).toHaveLength(0);
    await settleAndCheck();
  });
});

describe("faults while falling asleep", () => {
  it("a server delete failing once leaves the workspace asleep with its VM; the sweep removes the VM", async () => {
    const { cookie } = await signInWithId(freshLogin("sleepfail"));
    const { id, callbackToken } = await readyWorkspace(cookie);
    const serverId = (await load(id)).serverId;
    const sid = await uploadSnapshot(id, callbackToken, "sleep", randomBytes(1000));
    await hetzner.fault({ method: "DELETE", path: `/v1/servers/${serverId}`, status: 500, times: 1 });
    expect((await vmCall(id, "shutdown", callbackToken, { reason: "idle", snapshot_id: sid })).status).toBe(
      202,
    );
    await waitFor("the delete to fail", async () => (await load(id)).lastError);
    expect((await load(id)).state).toBe("asleep");
    expect(await serversOf(id)).toHaveLength(1);
    await sweep(depsAt(later));
    expect(await serversOf(id)).toHaveLength(0);
    expect((await load(id)).state).toBe("asleep");
    await settleAndCheck();
  });
});

describe("a wake while the old VM is still there", () => {
  it("never adopts the VM the workspace slept on: it goes, and a new one boots", async () => {
    const { cookie } = await signInWithId(freshLogin("oldvm"));
    const { id, callbackToken } = await readyWorkspace(cookie);
    const oldServer = (await load(id)).serverId;
    const sid = await uploadSnapshot(id, callbackToken, "sleep", randomBytes(1000));
    await hetzner.fault({ method: "DELETE", path: `/v1/servers/${oldServer}`, status: 500, times: 1 });
    expect((await vmCall(id, "shutdown", callbackToken, { reason: "idle", snapshot_id: sid })).status).toBe(
      202,
    );
    await waitFor("the delete to fail", async () => (await load(id)).lastError);
    expect((await api(`/api/workspaces/${id}/wake`, { method: "POST", headers: { cookie } })).status).toBe(
      202,
    );
    const booting = await waitForState(id, "booting");
    expect(booting.serverId).not.toBe(oldServer);
    await waitFor("only the new VM to remain", async () => {
      const servers = await serversOf(id);
      return servers.length === 1 && servers[0]?.id === booting.serverId;
    });
    await api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } });
    await waitForState(id, "deleted");
    await settleAndCheck();
  });
});

async function stopAndSettle(deps: ReturnType<typeof depsAt>, id: string) {
  const ws = await load(id);
  const stopping = await transition(deps.db, ws, "stopping", "test cleanup");
  await reconcileWorkspace(depsAt(), stopping ?? ws);
  expect((await load(id)).state).toBe("deleted");
  await settleAndCheck();
}
