import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { type ServedRepo, serveGitRepo } from "../src/git-repo.ts";
import { baseUrl, localCloud, type RunningSystem, startSystem, vmContainers, vmExec } from "../src/system.ts";
import { json, signIn, terminalRows } from "../src/ui.ts";

let system: RunningSystem;
let repo: ServedRepo;
let browser: Browser;

beforeAll(async () => {
  repo = await serveGitRepo({ "README.md": "# demo\n", "hello.sh": "echo hello from the repo\n" });
  // Idle in seconds rather than half an hour, so the test can watch a workspace die.
  system = await startSystem({ DEFAULT_IDLE_TIMEOUT_MINUTES: "0.5", IDLE_GRACE_MINUTES: "0.5" });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await repo?.stop();
});

describe("the whole loop on one machine", () => {
  it("signs in, boots a workspace, types in its terminal, and watches it die when idle", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, "alice");
    await screenshot(page, "signed-in");
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, "phone-size");
    await page.setViewportSize({ width: 1280, height: 720 });

    await page.getByRole("link", { name: "Settings" }).click();
    await page
      .getByRole("textbox", { name: "Claude API key" })
      .fill("sk-ant-api03-e2e-test-key-000000000000");
    await page.getByRole("button", { name: "Save key" }).click();
    await expect.poll(() => page.getByText(/0000/).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, "claude-key-set");

    await page.goto(baseUrl);
    await page.getByRole("textbox", { name: "Repository URL" }).fill(repo.url);
    const created = Date.now();
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/#\/w\/w[a-z0-9]+/);
    const id = /#\/w\/(w[a-z0-9]+)/.exec(page.url())?.[1] ?? "";
    expect(id).not.toBe("");
    await page.getByText("[clone]", { exact: false }).first().waitFor({ timeout: 90_000 });
    await screenshot(page, "booting");
    const openTerminal = page.getByRole("button", { name: "Open terminal" });
    await expect.poll(() => openTerminal.isEnabled(), { timeout: 120_000, interval: 500 }).toBe(true);
    await screenshot(page, "ready");

    // Someone else cannot see it, nor open its terminal.
    const other = await browser.newContext();
    const bob = await other.newPage();
    await signIn(bob, "bob");
    expect((await bob.request.get(`${baseUrl}/api/workspaces/${id}`)).status()).toBe(404);
    // A cookie-authenticated write must carry the dashboard's Origin, as a browser's fetch does.
    const asDashboard = { headers: { origin: baseUrl } };
    expect(
      (await bob.request.post(`${baseUrl}/api/workspaces/${id}/terminal-token`, asDashboard)).status(),
    ).toBe(404);
    await other.close();

    const [terminal] = await Promise.all([context.waitForEvent("page"), openTerminal.click()]);
    await terminal.locator(".xterm-rows").waitFor({ timeout: 30_000 });
    await terminal.locator(".xterm-helper-textarea").focus();
    await terminal.keyboard.type("echo $((6*7))\n");
    await expect.poll(() => terminalRows(terminal), { timeout: 15_000 }).toContain("42");
    const firstPrompt = Date.now() - created;
    console.log(`create -> terminal answering: ${(firstPrompt / 1000).toFixed(1)} s`);
    const { events } = (await (await page.request.get(`${baseUrl}/api/workspaces/${id}/events`)).json()) as {
      events: Array<{ at: string; message: string }>;
    };
    for (const e of events.filter((e) => e.message.startsWith("[timeline]")).reverse())
      console.log(`  +${((Date.parse(e.at) - created) / 1000).toFixed(1)} s ${e.message}`);
    await screenshot(terminal, "terminal-42");
    // The VM booted as on Hetzner: real cloud-init finished, systemd runs the agent and Caddy.
    const [server] = (
      await json<Array<{ id: number; name: string }>>(`${localCloud.hetzner}/__berth/vms`)
    ).filter((v) => v.name === `berth-${id}`);
    expect(server).toBeDefined();
    const serverId = server?.id ?? 0;
    expect(vmExec(serverId, ["cloud-init", "status", "--wait"])).toContain("status: done");
    expect(vmExec(serverId, ["systemctl", "is-active", "berth-agent", "caddy"]).split("\n")).toEqual([
      "active",
      "active",
      "",
    ]);
    // The terminal is a shell inside the workspace image's devcontainer, in the repo's folder.
    await terminal.keyboard.type('. /etc/os-release; echo "os=$VERSION_CODENAME"; echo "cwd=$(pwd)"; ls\n');
    await expect.poll(() => terminalRows(terminal), { timeout: 15_000 }).toContain("os=bookworm");
    const rows = await terminalRows(terminal);
    expect(rows).toContain("cwd=/workspaces/workspace");
    expect(rows.some((r) => /README\.md\s+hello\.sh/.test(r))).toBe(true);
    await screenshot(terminal, "terminal-in-container");
    // The terminal's page came through the VM's own Caddy (in front of the agent), as on Hetzner.
    const reloaded = await terminal.reload();
    expect(reloaded?.headers().server).toBe("Caddy");
    await expect.poll(() => terminalRows(terminal), { timeout: 15_000 }).toContain("42");
    await screenshot(terminal, "terminal-replayed");
    await terminal.close();

    // Left alone: the warning, then the VM asks to go to sleep (its VM is deleted, the workspace asleep).
    await page.getByTestId("idle-countdown").waitFor({ timeout: 90_000 });
    await screenshot(page, "idle-warning");
    await page.locator('[data-state="asleep"]').first().waitFor({ timeout: 120_000 });
    await screenshot(page, "asleep");

    // The VM is gone, and so are its server and DNS records (the
    // workspace is asleep the moment its shutdown lands; the VM goes in the reconcile right after).
    await expect
      .poll(
        async () =>
          (
            await json<{ servers: Array<{ labels: Record<string, string> }> }>(
              `${localCloud.hetzner}/__berth/state`,
            )
          ).servers.filter((s) => s.labels["berth.workspace"] === id).length,
        { timeout: 60_000 },
      )
      .toBe(0);
    const vms = await json<Array<{ name: string; state: string }>>(`${localCloud.hetzner}/__berth/vms`);
    const vm = vms.find((v) => v.name === `berth-${id}`);
    expect(vm === undefined || vm.state === "deleted").toBe(true);
    const servers = await json<{ servers: Array<{ labels: Record<string, string> }> }>(
      `${localCloud.hetzner}/__berth/state`,
    );
    expect(servers.servers.filter((s) => s.labels["berth.workspace"] === id)).toEqual([]);
    const dns = await json<{ records: Array<{ name: string }> }>(`${localCloud.cloudflare}/__berth/state`);
    expect(dns.records.filter((r) => r.name.includes(id))).toEqual([]);
    // Its container and its devcontainer are gone with it: no VM's container is left.
    await expect.poll(() => vmContainers(), { timeout: 30_000 }).toEqual([]);
    await context.close();
  });
});
