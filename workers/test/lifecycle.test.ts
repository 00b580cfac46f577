import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { reconcileWorkspace } from "../src/workspaces/reconcile.ts";
import {
  bootstrapTokenOf,
  createWorkspace,
  depsAt,
  expectInvariants,
  hetzner,
  load,
  recordsOf,
  serversOf,
  vmCall,
  waitFor,
  waitForState,
} from "./support/lifecycle.ts";
import { api, freshLogin, signIn } from "./support/session.ts";

const claudeKey = "sk-ant-api03-test-key-0123456789abcdefghij";

describe("a workspace's life, driven by the API and the VM's callbacks", () => {
  it("boots a server with DNS, hands secrets over once, and leaves no VM behind when the VM asks to stop", async () => {
    const cookie = await signIn(freshLogin("life"));
    await api("/api/credentials/claude", {
      method: "PUT",
      headers: { cookie },
      body: JSON.stringify({ api_key: claudeKey }),
    });

    const { res, body } = await createWorkspace(cookie, { branch: "main", idle_timeout_minutes: 15 });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      state: "creating",
      server_type: "cx23",
      location: "fsn1",
      idle_timeout_minutes: 15,
    });
    expect(body.hostname).toBe(`${body.id}.localhost`);

    const booting = await waitForState(body.id, "booting");
    const [server, ...others] = await serversOf(body.id);
    expect(others).toHaveLength(0);
    expect(server?.labels).toMatchObject({ "berth.workspace": body.id, "berth.managed-by": "berth" });
    expect(booting.serverId).toBe(server?.id);
    const records = await recordsOf(body.id);
    expect(records.map((r) => r.name).sort()).toEqual([`*.${body.id}.localhost`, `${body.id}.localhost`]);
    expect(records.every((r) => r.content === server?.ipv4)).toBe(true);

    // user_data carries the one-time token and no secret.
    const bootstrapToken = await bootstrapTokenOf(server?.id ?? 0);
    const state = (await hetzner.state()) as { servers: Array<{ id: number; user_data: string }> };
    const userData = state.servers.find((s) => s.id === server?.id)?.user_data ?? "";
    expect(userData.startsWith("#cloud-config")).toBe(true);
    expect(userData).not.toContain(claudeKey);
    // Claude Code on the VM is pointed at the Messages API stand-in, as configured.
    expect(env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(userData).toContain(`${env.ANTHROPIC_BASE_URL}`);
    expect(userData).not.toContain("cb_");

    const redeemed = await vmCall(body.id, "bootstrap", bootstrapToken);
    expect(redeemed.status).toBe(200);
    const secrets = (await redeemed.json()) as { callback_token: string; claude_api_key: string };
    expect(secrets.claude_api_key).toBe(claudeKey);
    const again = await vmCall(body.id, "bootstrap", bootstrapToken);
    expect(again.status).toBe(409);

    const token = secrets.callback_token;
    expect(
      (await vmCall(body.id, "progress", token, { step: "clone", message: "cloning main" })).status,
    ).toBe(200);
    expect((await vmCall(body.id, "ready", token, { runtime: "host" })).status).toBe(200);
    const beat = {
      last_human_input_at: new Date().toISOString(),
      claude: { state: "waiting", waiting_reason: "permission_prompt" },
      open_terminals: 2,
      idle: { idle_seconds: 0, warning: false, shutdown_at: null },
    };
    expect((await vmCall(body.id, "heartbeat", token, beat)).status).toBe(200);
    const shutdownAt = new Date(Date.now() + 90_000).toISOString();
    const warning = { ...beat, idle: { idle_seconds: 1800, warning: true, shutdown_at: shutdownAt } };
    expect((await vmCall(body.id, "heartbeat", token, warning)).status).toBe(200);
    expect((await load(body.id)).idleShutdownAt?.toISOString()).toBe(shutdownAt);
    expect((await vmCall(body.id, "heartbeat", token, beat)).status).toBe(200);

    const detail = (await (await api(`/api/workspaces/${body.id}`, { headers: { cookie } })).json()) as {
      agent: Record<string, unknown>;
      progress: Array<{ message: string }>;
      cost: { hourly_eur: number; total_eur: number };
    };
    expect(detail).toMatchObject({ state: "ready", runtime: "host", server_id: server?.id });
    expect(detail.agent).toMatchObject({
      claude_state: "waiting",
      claude_waiting_reason: "permission_prompt",
      open_terminals: 2,
    });
    expect(detail.progress.map((p) => p.message)).toContain("[clone] cloning main");
    expect(detail.cost.hourly_eur).toBeGreaterThan(0);
    expect(detail.cost.total_eur).toBeGreaterThan(0);
    expect(JSON.stringify(detail)).not.toMatch(/bt_|cb_|sk-ant/);

    const events = (await (
      await api(`/api/workspaces/${body.id}/events`, { headers: { cookie } })
    ).json()) as {
      events: Array<{ type: string }>;
    };
    expect(events.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["state", "bootstrap", "bootstrap_refused", "progress"]),
    );

    // An agent that sends no sleep snapshot: asleep on the newest checkpoint, here none, said plainly.
    const shutdown = await vmCall(body.id, "shutdown", token, { reason: "idle" });
    expect(shutdown.status).toBe(202);
    const asleep = await waitForState(body.id, "asleep");
    expect(asleep.stateReason).toContain("without a sleep snapshot");
    expect(asleep.stateReason).toContain("the work since the workspace started is lost");
    await waitFor("its server and DNS records to go", async () =>
      (await serversOf(body.id)).length === 0 && (await recordsOf(body.id)).length === 0 ? true : null,
    );
    await expectInvariants();
  });

  it("refuses a callback token for another workspace, and every callback without a valid token", async () => {
    const cookie = await signIn(freshLogin("tokens"));
    const a = await createWorkspace(cookie);
    const b = await createWorkspace(cookie);
    const wsA = await waitForState(a.body.id, "booting");
    await waitForState(b.body.id, "booting");
    const tokenA = (
      (await (await vmCall(a.body.id, "bootstrap", await bootstrapTokenOf(wsA.serverId ?? 0))).json()) as {
        callback_token: string;
      }
    ).callback_token;
    for (const action of ["progress", "ready", "heartbeat", "shutdown"]) {
      expect(
        (await vmCall(b.body.id, action, tokenA, { reason: "idle", runtime: "host" })).status,
        action,
      ).toBe(401);
      expect(
        (await vmCall(a.body.id, action, "cb_wrong-token-xxxxxxxxxxxxxxxxxxxx", {})).status,
        action,
      ).toBe(401);
    }
    expect((await vmCall(b.body.id, "bootstrap", "bt_not-the-token-xxxxxxxxxxxxxxxxxx")).status).toBe(401);
    // An id that does not exist answers like a wrong token: VM routes reveal no workspace ids.
    expect((await vmCall("wnosuchthing", "ready", tokenA, { runtime: "host" })).status).toBe(401);
    expect((await vmCall("wnosuchthing", "bootstrap", "bt_not-the-token-xxxxxxxxxxxxxxxxxx")).status).toBe(
      401,
    );
    expect((await load(b.body.id)).state).toBe("booting");
    for (const id of [a.body.id, b.body.id])
      await api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } });
    await waitForState(a.body.id, "deleted");
    await waitForState(b.body.id, "deleted");
  });

  it("a VM that cannot boot fails its workspace with the reason and is deleted", async () => {
    const cookie = await signIn(freshLogin("bootfail"));
    const { body } = await createWorkspace(cookie);
    const ws = await waitForState(body.id, "booting");
    const redeemed = await vmCall(body.id, "bootstrap", await bootstrapTokenOf(ws.serverId ?? 0));
    const { callback_token } = (await redeemed.json()) as { callback_token: string };
    const detail = "git clone failed (exit 128): repository not found";
    expect(
      (await vmCall(body.id, "shutdown", callback_token, { reason: "boot_failed", detail })).status,
    ).toBe(202);
    const failed = await waitForState(body.id, "failed");
    expect(failed.stateReason).toContain("repository not found");
    await waitFor("its server and DNS records to go", async () =>
      (await serversOf(body.id)).length === 0 && (await recordsOf(body.id)).length === 0 ? true : null,
    );
    await expectInvariants();
  });

  it("reconciling twice in a row changes nothing the second time", async () => {
    const cookie = await signIn(freshLogin("twice"));
    const { body } = await createWorkspace(cookie);
    const ws = await waitForState(body.id, "booting");
    const deps = depsAt();
    const before = await serversOf(body.id);
    await reconcileWorkspace(deps, ws);
    await reconcileWorkspace(deps, await load(body.id));
    expect(await serversOf(body.id)).toEqual(before);
    expect(await recordsOf(body.id)).toHaveLength(2);
    await api(`/api/workspaces/${body.id}/stop`, { method: "POST", headers: { cookie } });
    await waitForState(body.id, "deleted");
    const row = await env.DB.prepare("select state from workspaces where id = ?").bind(body.id).first();
    expect(row).toMatchObject({ state: "deleted" });
  });
});
