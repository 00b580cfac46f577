import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { hetzner } from "./support/lifecycle.ts";

async function runCron(bindings: typeof env) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

const listedServers = async () =>
  (await hetzner.requests()).filter((r) => r.method === "GET" && r.path === "/v1/servers").length;

describe("the cron trigger", () => {
  it("runs the reconciler sweep, which lists Berth's servers", async () => {
    await hetzner.clearRequests();
    await runCron(env);
    expect(await listedServers()).toBeGreaterThan(0);
  });

  it("does nothing on a broken configuration instead of failing every step", async () => {
    await hetzner.clearRequests();
    await runCron({ ...env, ENCRYPTION_KEY: "not-a-key" });
    expect(await listedServers()).toBe(0);
  });
});
