import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordProgress } from "../src/workspaces/callbacks.ts";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow } from "../src/workspaces/service.ts";
import { defaultEventCap, recordEvent, transition } from "../src/workspaces/store.ts";
import {
  cloudflare,
  createWorkspace,
  depsAt,
  hetzner,
  load,
  vmCall,
  waitFor,
  waitForState,
} from "./support/lifecycle.ts";
import { api, freshLogin, signInWithId } from "./support/session.ts";

const eventCount = async (id: string, type?: string) =>
  (
    await env.DB.prepare(
      `select count(*) as n from workspace_events where workspace_id = ?${type ? " and type = ?" : ""}`,
    )
      .bind(...(type ? [id, type] : [id]))
      .first<{ n: number }>()
  )?.n ?? 0;

const repo = "https://github.com/octocat/Hello-World.git";

describe("a request that fails authentication writes nothing", () => {
  it("a bootstrap with a junk token is refused and records no event", async () => {
    const { cookie } = await signInWithId(freshLogin("junk"));
    const { body } = await createWorkspace(cookie);
    await waitForState(body.id, "booting");
    const before = await eventCount(body.id);
    for (const token of ["bt_junk", `bt_${"x".repeat(40)}`]) {
      expect((await vmCall(body.id, "bootstrap", token)).status).toBe(401);
    }
    expect(await eventCount(body.id)).toBe(before);
    expect((await vmCall(body.id, "heartbeat", "cb_junk")).status).toBe(401);
    expect(await eventCount(body.id)).toBe(before);
    await api(`/api/workspaces/${body.id}`, { method: "DELETE", headers: { cookie } });
    await waitForState(body.id, "deleted");
  });
});

describe("events are capped per workspace and kind", () => {
  it("a flood of errors and refusals cannot push real progress out", async () => {
    const { userId } = await signInWithId(freshLogin("flood"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: repo }, null);
    // 1000 errors: more than the whole timeline holds, as a provider failing every minute makes.
    const flood = async (type: string, n: number) => {
      for (let i = 0; i < n; i += 200) {
        await Promise.all(
          Array.from({ length: 200 }, (_, j) => recordEvent(deps.db, workspace.id, type, `${type} ${i + j}`)),
        );
      }
      expect(await eventCount(workspace.id, type)).toBe(defaultEventCap);
    };
    await flood("error", 1000);
    await flood("bootstrap_refused", 200);
    await flood("shutdown_requested", 200);
    expect(await recordProgress(deps, workspace, "clone", "cloning main")).toEqual({ stored: true });
    expect(await eventCount(workspace.id, "progress")).toBe(1);
    // State changes are never capped.
    const failed = await transition(deps.db, workspace, "failed", "test over");
    expect(failed?.state).toBe("failed");
    expect(await eventCount(workspace.id, "state")).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

describe("a workspace that is already cleaned up costs no provider request", () => {
  it("stop and delete on a deleted workspace call neither Hetzner nor Cloudflare", async () => {
    const { cookie } = await signInWithId(freshLogin("gone"));
    const { body } = await createWorkspace(cookie);
    await waitForState(body.id, "booting");
    await api(`/api/workspaces/${body.id}/stop`, { method: "POST", headers: { cookie } });
    const deleted = await waitForState(body.id, "deleted");
    expect(deleted.cleanedUpAt).not.toBeNull();

    await hetzner.clearRequests();
    await cloudflare.clearRequests();
    expect(
      (await api(`/api/workspaces/${body.id}/stop`, { method: "POST", headers: { cookie } })).status,
    ).toBe(202);
    expect((await api(`/api/workspaces/${body.id}`, { method: "DELETE", headers: { cookie } })).status).toBe(
      202,
    );
    // The route's own reconcile runs after the response; run the same call here and wait for it.
    await reconcileWorkspace(depsAt(), await load(body.id));
    expect(await hetzner.requests()).toEqual([]);
    expect(await cloudflare.requests()).toEqual([]);
  });

  it("a failed workspace is cleaned up once, then left alone", async () => {
    const { userId } = await signInWithId(freshLogin("failed"));
    const deps = depsAt();
    const { workspace } = await createRow(deps, userId, { repo_url: repo }, null);
    const failed = await transition(deps.db, workspace, "failed", "test failure");
    await reconcileWorkspace(deps, failed ?? workspace);
    const cleaned = await waitFor("cleanup to be recorded", async () => {
      const ws = await load(workspace.id);
      return ws.cleanedUpAt ? ws : null;
    });
    await hetzner.clearRequests();
    await cloudflare.clearRequests();
    await reconcileWorkspace(deps, cleaned);
    expect(await hetzner.requests()).toEqual([]);
    expect(await cloudflare.requests()).toEqual([]);
  });
});
