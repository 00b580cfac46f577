// Sleep and wake as a person sees them (#13): work left in a workspace's terminal (an uncommitted
// edit, an untracked file, a local commit, a stash, a Claude conversation) survives Sleep, the VM
// and its DNS records go while it is asleep, Wake brings it all back byte for byte, and Delete
// leaves no server, DNS record, snapshot row or R2 object behind.
import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { type ServedRepo, serveGitRepo } from "../src/git-repo.ts";
import { baseUrl, localCloud, type RunningSystem, root, startSystem, vmContainers } from "../src/system.ts";
import { createWorkspace, json, openTerminal, run, signIn } from "../src/ui.ts";

const anthropic = "http://127.0.0.1:8704/__berth/anthropic";
const claudeKey = "sk-ant-api03-e2e-sleep-wake-key-5e1f";
const firstPrompt = "Remember the word swordfish";
const secondPrompt = "Which word did I ask you to remember?";

let system: RunningSystem;
let repo: ServedRepo;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface MessagesRecord {
  kind: string;
  messageCount: number;
  lastUserText: string | null;
  userTexts: string[];
}

const script = (steps: unknown[]) =>
  fetch(`${anthropic}/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ steps }),
  });
const mainRequests = async () =>
  (await json<MessagesRecord[]>(`${anthropic}/requests`)).filter((r) => r.kind === "main");

/** The workspace's servers in the Hetzner stand-in and its records in the Cloudflare one. */
async function cloudOf(id: string) {
  const hetzner = await json<{ servers: Array<{ labels: Record<string, string> }> }>(
    `${localCloud.hetzner}/__berth/state`,
  );
  const dns = await json<{ records: Array<{ name: string }> }>(`${localCloud.cloudflare}/__berth/state`);
  return {
    servers: hetzner.servers.filter((s) => s.labels["berth.workspace"] === id).length,
    records: dns.records.filter((r) => r.name.includes(id)).length,
  };
}

/** Rows of every local sqlite file wrangler dev keeps for one miniflare object kind (D1, R2). */
function localRows<T>(kind: string, sql: string, ...params: string[]): T[] {
  const dir = path.join(root, ".wrangler/state/v3", kind);
  const rows: T[] = [];
  for (const file of readdirSync(dir, { recursive: true }).map(String)) {
    if (!file.endsWith(".sqlite")) continue;
    const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
    try {
      rows.push(...(db.prepare(sql).all(...params) as T[]));
    } catch {
      // another database (the agents bucket, a table this one lacks)
    } finally {
      db.close();
    }
  }
  return rows;
}
const snapshotRows = (id: string) =>
  localRows<{ id: string }>("d1", "SELECT id FROM snapshots WHERE workspace_id = ?", id);
const snapshotObjects = (id: string) =>
  localRows<{ key: string }>("r2", "SELECT key FROM _mf_objects WHERE key LIKE ?", `ws/${id}/%`);

/** Everything the sleep must keep, printed on one line: files' sums, stashes, last commit, status. */
const stateLine =
  'echo "state=$( { sha256sum README.md committed.txt untracked.txt; git stash list; git log -1 --format=%s; git status --porcelain; } | sha256sum | cut -c1-64)"';
async function workState(terminal: Page): Promise<{ hash: string; rows: string[] }> {
  const rows = await run(
    terminal,
    `clear; export GIT_PAGER=cat; git stash list; git log -1 --format=%s; git status --porcelain; cat README.md; ${stateLine}`,
    /^state=[0-9a-f]{64}$/,
  );
  const hash = rows.map((r) => /^state=([0-9a-f]{64})$/.exec(r)?.[1]).find(Boolean) ?? "";
  return { hash, rows };
}

beforeAll(async () => {
  repo = await serveGitRepo({ "README.md": "# sleep demo\n" });
  system = await startSystem({});
  const image = /workspace image (\S+) (built|cached) in ([\d.]+) s/.exec(system.output());
  if (image) console.log(`figure: workspace image ${image[2]} in ${image[3]} s (${image[1]})`);
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  await signIn(page, "carol");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("textbox", { name: "Claude API key" }).fill(claudeKey);
  await page.getByRole("button", { name: "Save key" }).click();
  await page.getByText(/5e1f/).first().waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await repo?.stop();
});

describe("sleep and wake", () => {
  it("keeps edits, commits, stashes and Claude's conversation through a sleep, and deletes everything", async () => {
    await fetch(`${anthropic}/script`, { method: "DELETE" });
    const id = await createWorkspace(page, repo.url);
    let terminal = await openTerminal(context, page);
    const git = "git -c user.name=E2E -c user.email=e2e@example.invalid";
    await run(
      terminal,
      `printf 'stashed line\\n' >> README.md && ${git} stash push -q -m kept-in-a-stash && echo stashed-$((1+1))`,
      "stashed-2",
    );
    await run(
      terminal,
      `printf 'committed\\n' > committed.txt && git add committed.txt && ${git} commit -qm "a local commit" && echo committed-$((2+2))`,
      "committed-4",
    );
    await run(
      terminal,
      `printf 'not yet committed\\n' >> README.md && printf 'untracked \\001 bytes\\n' > untracked.txt && echo edited-$((3+3))`,
      "edited-6",
    );
    await script([{ text: "I will remember swordfish." }]);
    await run(terminal, `claude -p "${firstPrompt}"`, "I will remember swordfish.", 120_000);
    const before = await workState(terminal);
    expect(before.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(before.rows.some((r) => /^stash@\{0\}: On \S+: kept-in-a-stash$/.test(r))).toBe(true);
    expect(before.rows).toContain("a local commit");
    expect(before.rows).toContain("M README.md");
    expect(before.rows).toContain("?? untracked.txt");
    await screenshot(terminal, "sleep-work-before");
    await terminal.close();

    // Sleep (the dashboard's stop on a ready workspace), then wait for the state, not a time.
    await page.getByRole("button", { name: "Sleep" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.textContent()).toContain("Claude's conversation");
    const sleepPressed = Date.now();
    await dialog.getByRole("button", { name: "Sleep" }).click();
    await page.locator('[data-state="asleep"]').first().waitFor({ timeout: 300_000 });
    console.log(`figure: sleep press -> asleep ${((Date.now() - sleepPressed) / 1000).toFixed(1)} s`);

    // Asleep: what it keeps, for how long and at what size, and a Wake button.
    const panel = page.getByTestId("sleep-panel");
    await panel.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("snapshot-size").textContent()).toMatch(/\d+(\.\d)? (bytes|kB|MB|GB)/);
    expect(await page.getByTestId("snapshot-age").textContent()).toMatch(/ago|now/);
    expect(await page.getByTestId("snapshot-expiry").textContent()).toMatch(/kept \d+ days/);
    await expect.poll(() => page.getByRole("button", { name: "Wake" }).isEnabled()).toBe(true);
    await screenshot(page, "sleep-asleep");

    // Its VM (server, VM process, devcontainer) and its DNS records are gone; the snapshot is stored.
    await expect.poll(() => cloudOf(id), { timeout: 120_000 }).toEqual({ servers: 0, records: 0 });
    const vms = await json<Array<{ name: string; state: string; pid: number | null }>>(
      `${localCloud.hetzner}/__berth/vms`,
    );
    const vm = vms.find((v) => v.name === `berth-${id}`);
    expect(vm === undefined || vm.state === "deleted").toBe(true);
    if (vm?.pid) expect(() => process.kill(vm.pid ?? 0, 0)).toThrow();
    await expect.poll(() => vmContainers(), { timeout: 60_000 }).toEqual([]);
    expect(snapshotRows(id).length).toBeGreaterThan(0);
    expect(snapshotObjects(id).length).toBeGreaterThan(0);

    // Wake: a new VM restores the snapshot before the terminal opens.
    const wakePressed = Date.now();
    await page.getByRole("button", { name: "Wake" }).click();
    terminal = await openTerminal(context, page);
    const after = await workState(terminal);
    console.log(
      `figure: wake press -> terminal with state ${((Date.now() - wakePressed) / 1000).toFixed(1)} s`,
    );
    expect(after.hash).toBe(before.hash);
    expect(after.rows).toContain("a local commit");
    expect(after.rows).toContain("M README.md");
    expect(after.rows).toContain("?? untracked.txt");
    expect(after.rows.some((r) => /^stash@\{0\}: On \S+: kept-in-a-stash$/.test(r))).toBe(true);
    await screenshot(terminal, "sleep-work-after-wake");

    // Claude continues the conversation from before the sleep.
    const earlier = (await mainRequests()).length;
    await script([{ text: "You asked me to remember swordfish." }]);
    await run(
      terminal,
      `claude --continue -p "${secondPrompt}"`,
      "You asked me to remember swordfish.",
      120_000,
    );
    const resumed = (await mainRequests()).slice(earlier).find((r) => r.lastUserText === secondPrompt);
    // The new request carries the conversation from before the sleep: the earlier prompt, then this one.
    const texts = resumed?.userTexts ?? [];
    expect(texts.indexOf(firstPrompt)).toBeGreaterThanOrEqual(0);
    expect(texts.indexOf(firstPrompt)).toBeLessThan(texts.indexOf(secondPrompt));
    expect(resumed?.messageCount).toBeGreaterThanOrEqual(3);
    await terminal.close();

    // Delete: the dialog says what is lost; then nothing of the workspace is left anywhere.
    await page.getByRole("button", { name: "Delete" }).click();
    const loses = await page.getByTestId("delete-loses").textContent();
    for (const lost of ["uncommitted changes", "untracked files", "stashes", "Claude's conversation"])
      expect(loses).toContain(lost);
    await screenshot(page, "sleep-delete-dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await expect
      .poll(
        async () => {
          const res = await page.request.get(`${baseUrl}/api/workspaces/${id}`);
          return res.status() === 404 ? "gone" : ((await res.json()) as { state: string }).state;
        },
        { timeout: 180_000, interval: 1000 },
      )
      .toMatch(/^(deleted|gone)$/);
    await expect.poll(() => cloudOf(id), { timeout: 120_000 }).toEqual({ servers: 0, records: 0 });
    await expect.poll(() => snapshotRows(id), { timeout: 60_000 }).toEqual([]);
    await expect.poll(() => snapshotObjects(id), { timeout: 60_000 }).toEqual([]);
    await expect.poll(() => vmContainers(), { timeout: 60_000 }).toEqual([]);
  }, 1_200_000);
});
