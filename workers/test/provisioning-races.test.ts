import { describe, expect, it } from "vitest";
import type { CloudServer, ServerProvider, ServerSpec } from "../src/providers/types.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow, stopWorkspace } from "../src/workspaces/service.ts";
import { transition } from "../src/workspaces/store.ts";
import {
  depsAt,
  expectInvariants,
  load,
  recordsOf,
  serversOf,
  waitFor,
  waitForState,
} from "./support/lifecycle.ts";
import { api, freshLogin, signIn, signInWithId } from "./support/session.ts";
import { asleepWorkspace, randomBytes } from "./support/snapshots.ts";

/** The real Hetzner stand-in, whose server create waits until the test lets it through. */
function heldCreates(servers: ServerProvider) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = false;
  const held: ServerProvider = Object.assign(Object.create(servers) as ServerProvider, {
    async createServer(input: ServerSpec): Promise<CloudServer> {
      reached = true;
      await gate;
      return servers.createServer(input);
    },
  });
  return { servers: held, release, reached: () => reached };
}

async function newRow(name: string) {
  const { userId } = await signInWithId(freshLogin(name));
  const { workspace } = await createRow(depsAt(), userId, { repo_url: "https://example.test/r.git" }, null);
  return workspace;
}

describe("a stop or delete while the server is being created leaves nothing behind", () => {
  const cases = [
    { name: "the request's own reconcile", observed: () => undefined },
    // The sweep passes what it listed before the pass: neither the server nor its records yet.
    { name: "the sweep's reconcile", observed: () => ({ servers: [], records: [] }) },
  ];
  for (const c of cases) {
    it(`${c.name}: no server and no DNS record outlive the stopped workspace`, async () => {
      const workspace = await newRow("racestop");
      const base = depsAt();
      const hold = heldCreates(base.servers);
      const pass = reconcileWorkspace({ ...base, servers: hold.servers }, workspace, c.observed());
      await waitFor("the create to be on its way", async () => hold.reached());

      // The owner stops it; the stop's reconcile finds nothing yet and marks it deleted.
      const stopping = await stopWorkspace(base, await load(workspace.id), "stopped by its owner");
      expect(stopping.state).toBe("stopping");
      await reconcileWorkspace(base, stopping);
      await waitForState(workspace.id, "deleted");

      hold.release();
      const after = await pass;
      expect(after.state).toBe("deleted");
      expect(await serversOf(workspace.id)).toEqual([]);
      expect(await recordsOf(workspace.id)).toEqual([]);
      await expectInvariants();
    });
  }

  it("the sweep's row predating a delete: records it sets for the old server go again", async () => {
    const workspace = await newRow("racesweep");
    const booting = await reconcileWorkspace(depsAt(), workspace);
    expect(booting.state).toBe("booting");
    const [server] = await serversOf(workspace.id);
    expect(server).toBeDefined();
    // The sweep listed the server but not (yet) its records, and holds the booting row.
    const observed = { servers: server ? [server] : [], records: [] };
    const stopping = await transition(depsAt().db, booting, "stopping", "deleted by its owner");
    expect(stopping).not.toBeNull();
    await reconcileWorkspace(depsAt(), stopping ?? booting);
    expect((await load(workspace.id)).state).toBe("deleted");

    const after = await reconcileWorkspace(depsAt(), booting, observed);
    expect(after.state).toBe("deleted");
    expect(await recordsOf(workspace.id)).toEqual([]);
    expect(await serversOf(workspace.id)).toEqual([]);
    await expectInvariants();
  });

  it("a reconcile holding the asleep row from before a wake leaves the wake's new VM and records alone", async () => {
    const cookie = await signIn(freshLogin("racewake"));
    const { id } = await asleepWorkspace(cookie, randomBytes(1000));
    // The sweep loaded the row while asleep (or the shutdown's own cleanup is still under way)...
    const stale = await load(id);
    expect(stale.state).toBe("asleep");
    // ...and the owner wakes it meanwhile: a new VM with its DNS records.
    expect((await api(`/api/workspaces/${id}/wake`, { method: "POST", headers: { cookie } })).status).toBe(
      202,
    );
    const booting = await waitForState(id, "booting");
    expect(await recordsOf(id)).toHaveLength(2);

    await reconcileWorkspace(depsAt(), stale);
    expect((await serversOf(id)).map((s) => s.id)).toEqual([booting.serverId]);
    expect(await recordsOf(id)).toHaveLength(2);
    expect(await load(id)).toMatchObject({
      state: "booting",
      serverId: booting.serverId,
      ipv4: booting.ipv4,
    });
    await expectInvariants();
  });
});
