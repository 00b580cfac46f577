import { afterEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bootPhases } from "@berth/protocol/boot-timeline";
import { bootTimeline, cloudInitReader, parseCloudInitStatus } from "../../src/boot/timeline.ts";
import { removeAll, tempDir } from "./helpers.ts";

const dirs: string[] = [];
afterEach(() => removeAll(dirs));

/** /run/cloud-init/status.json as cloud-init writes it, while its final stage runs. */
function statusJson(finalFinished: number | null) {
  const stage = (start: number, finished: number | null) => ({
    errors: [],
    recoverable_errors: {},
    start,
    finished,
  });
  return {
    v1: {
      datasource: "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]",
      "init-local": stage(1764500000.25, 1764500001.0),
      init: stage(1764500001.5, 1764500003.0),
      "modules-config": stage(1764500003.5, 1764500004.0),
      "modules-final": stage(1764500004.5, finalFinished),
      stage: finalFinished === null ? "modules-final" : null,
    },
  };
}

describe("cloud-init times", () => {
  test("come from status.json: the first stage's start, the final stage's finish", () => {
    expect(parseCloudInitStatus(statusJson(null))).toEqual({ startMs: 1764500000250, doneMs: null });
    expect(parseCloudInitStatus(statusJson(1764500009))).toEqual({
      startMs: 1764500000250,
      doneMs: 1764500009000,
    });
  });

  test("come from `cloud-init status --format json` when the file is missing; none when it never ran", async () => {
    const root = await tempDir("berth-timeline-", dirs);
    const missing = join(root, "nope.json");
    const fromCommand = cloudInitReader({
      path: missing,
      run: async (argv) => {
        expect(argv).toEqual(["cloud-init", "status", "--format", "json"]);
        return { code: 0, stdout: JSON.stringify(statusJson(1764500009).v1), stderr: "" };
      },
    });
    expect(await fromCommand()).toEqual({ startMs: 1764500000250, doneMs: 1764500009000 });
    const notRun = cloudInitReader({
      path: missing,
      run: async () => ({ code: 0, stdout: JSON.stringify({ status: "not run", errors: [] }), stderr: "" }),
    });
    expect(await notRun()).toBeNull();
    const noBinary = cloudInitReader({
      path: missing,
      run: async () => ({ code: 127, stdout: "", stderr: "" }),
    });
    expect(await noBinary()).toBeNull();
    const file = join(root, "status.json");
    await writeFile(file, JSON.stringify(statusJson(null)));
    expect(await cloudInitReader({ path: file })()).toEqual({ startMs: 1764500000250, doneMs: null });
  });
});

describe("the boot timeline", () => {
  test("reports each mark once, stamped with when it happened, and cloud-init's finish once recorded", async () => {
    const lines: Array<{ step: string; message: string; at: string }> = [];
    const timeline = bootTimeline(
      (step, message, atMs) => lines.push({ step, message, at: new Date(atMs ?? 0).toISOString() }),
      () => 1764500006000,
    );
    timeline.mark("agent.start", 1764500005000);
    timeline.mark("agent.start", 1764500099000);
    let reads = 0;
    await timeline.cloudInit(async () => parseCloudInitStatus(statusJson(++reads < 3 ? null : 1764500009)), {
      pollMs: 1,
    });
    expect(reads).toBe(3);
    timeline.mark("clone.done", 1764500012000);
    timeline.mark("devcontainer.done", 1764500020000);
    timeline.mark("terminal.ready", 1764500021000);
    expect(lines.map((l) => `${l.step} ${l.message} @${l.at}`)).toEqual([
      "timeline agent.start berth-agent started @2025-11-30T10:53:25.000Z",
      "timeline cloud-init.start cloud-init started @2025-11-30T10:53:20.250Z",
      "timeline cloud-init.done cloud-init finished @2025-11-30T10:53:29.000Z",
      "timeline clone.done repository cloned @2025-11-30T10:53:32.000Z",
      "timeline devcontainer.done devcontainer up @2025-11-30T10:53:40.000Z",
      "timeline terminal.ready terminal ready @2025-11-30T10:53:41.000Z",
    ]);
    // As the control plane stores them, the dashboard's phases add up to create -> terminal.
    const stored = lines.map((l) => ({ at: l.at, message: `[${l.step}] ${l.message}` }));
    const phases = bootPhases("2025-11-30T10:53:02.000Z", stored);
    expect(phases.map((p) => [p.label, (p.endMs - p.startMs) / 1000])).toEqual([
      ["server create + boot", 18.25],
      ["cloud-init", 4.75],
      ["agent + clone", 7],
      ["devcontainer up", 8],
      ["terminal", 1],
    ]);
  });

  test("a boot without cloud-init reports no cloud-init marks and does not wait", async () => {
    const lines: string[] = [];
    const timeline = bootTimeline((_s, m) => lines.push(m));
    await timeline.cloudInit(async () => null);
    expect(lines).toEqual([]);
  });
});
