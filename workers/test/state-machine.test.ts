import { type WorkspaceState, workspaceStates } from "@berth/protocol";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../src/db/schema/index.ts";
import { settingsFrom } from "../src/settings.ts";
import { costSoFar, timedDecision } from "../src/workspaces/policy.ts";
import { assertTransition, canTransition, IllegalTransitionError } from "../src/workspaces/state-machine.ts";

const legal: Array<[WorkspaceState, WorkspaceState]> = [
  ["creating", "provisioning"],
  ["creating", "stopping"],
  ["creating", "failed"],
  ["provisioning", "booting"],
  ["provisioning", "stopping"],
  ["provisioning", "failed"],
  ["booting", "ready"],
  ["booting", "stopping"],
  ["booting", "failed"],
  ["ready", "stopping"],
  ["ready", "failed"],
  ["ready", "sleeping"],
  ["sleeping", "asleep"],
  ["sleeping", "stopping"],
  ["asleep", "waking"],
  ["asleep", "stopping"],
  ["waking", "provisioning"],
  ["waking", "stopping"],
  ["waking", "asleep"],
  // A wake that cannot finish goes back to asleep, keeping its snapshot.
  ["provisioning", "asleep"],
  ["booting", "asleep"],
  ["stopping", "deleted"],
];

describe("workspace state machine", () => {
  it("allows exactly the lifecycle's transitions and rejects every other", () => {
    for (const from of workspaceStates) {
      for (const to of workspaceStates) {
        const expected = legal.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(expected);
        if (!expected) expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
      }
    }
  });

  it("deletes from every live state: a delete wins over a sleep and a wake", () => {
    for (const from of workspaceStates) {
      if (from === "deleted" || from === "failed" || from === "stopping") continue;
      expect(canTransition(from, "stopping"), from).toBe(true);
    }
  });

  it("never leaves a terminal state, and a stopping workspace can only end deleted", () => {
    for (const to of workspaceStates) {
      expect(canTransition("deleted", to)).toBe(false);
      expect(canTransition("failed", to)).toBe(false);
      expect(canTransition("stopping", to)).toBe(to === "deleted");
    }
  });
});

const settings = settingsFrom({ MAX_LIFETIME_HOURS: "12", HEARTBEAT_TIMEOUT_MINUTES: "5" } as never);
const t0 = Date.parse("2026-11-23T10:00:00Z");
const minute = 60_000;
function ws(state: WorkspaceState, overrides: Partial<Workspace> = {}): Workspace {
  return {
    state,
    stateChangedAt: new Date(t0),
    createdAt: new Date(t0),
    readyAt: state === "ready" ? new Date(t0) : null,
    lastHeartbeatAt: null,
    hourlyPrice: 0.0096,
    priorBilledHours: 0,
    priorCostEur: 0,
    asleepAt: null,
    snapshotRetentionDays: null,
    serverCreatedAt: new Date(t0),
    endedAt: null,
    ...overrides,
  } as Workspace;
}

describe("time policy", () => {
  it("fails each starting state only after its own deadline", () => {
    for (const state of ["creating", "provisioning", "booting"] as const) {
      const deadline = settings.deadlinesMs[state];
      expect(timedDecision(ws(state), t0 + deadline - 1, settings)).toBeNull();
      expect(timedDecision(ws(state), t0 + deadline + 1, settings)).toMatchObject({ to: "failed" });
    }
  });

  it("sends a ready workspace to sleep after five minutes without a heartbeat, counted from the last one", () => {
    expect(timedDecision(ws("ready"), t0 + 4 * minute, settings)).toBeNull();
    expect(timedDecision(ws("ready"), t0 + 6 * minute, settings)).toMatchObject({ to: "sleeping" });
    const beating = ws("ready", { lastHeartbeatAt: new Date(t0 + 5 * minute) });
    expect(timedDecision(beating, t0 + 9 * minute, settings)).toBeNull();
  });

  it("sleeps at the maximum lifetime even with fresh heartbeats", () => {
    const at = t0 + 12 * 60 * minute + 1;
    const decision = timedDecision(ws("ready", { lastHeartbeatAt: new Date(at) }), at, settings);
    expect(decision?.to).toBe("sleeping");
    expect(decision?.reason).toContain("maximum lifetime");
  });

  it("falls asleep on a checkpoint when a sleep overruns its deadline or the VM goes silent", () => {
    const sleeping = ws("sleeping", { lastHeartbeatAt: new Date(t0) });
    expect(timedDecision(sleeping, t0 + 4 * minute, settings)).toBeNull();
    expect(timedDecision(sleeping, t0 + 6 * minute, settings)).toMatchObject({ to: "asleep" });
    const beating = (at: number) => ws("sleeping", { lastHeartbeatAt: new Date(at) });
    expect(timedDecision(beating(t0 + 14 * minute), t0 + 14 * minute, settings)).toBeNull();
    const late = timedDecision(beating(t0 + 16 * minute), t0 + 16 * minute, settings);
    expect(late?.to).toBe("asleep");
    expect(late?.reason).toContain("did not arrive within 15 min");
  });

  it("sends a failing wake back to asleep instead of failing the workspace", () => {
    const asleepAt = new Date(t0 - 60 * minute);
    for (const state of ["waking", "provisioning", "booting"] as const) {
      const deadline = settings.deadlinesMs[state];
      expect(timedDecision(ws(state, { asleepAt }), t0 + deadline + 1, settings)).toMatchObject({
        to: "asleep",
      });
    }
  });

  it("deletes an asleep workspace once its retention is over (per workspace when set)", () => {
    const asleep = ws("asleep", { asleepAt: new Date(t0) });
    expect(timedDecision(asleep, t0 + 29 * 24 * 60 * minute, settings)).toBeNull();
    expect(timedDecision(asleep, t0 + 31 * 24 * 60 * minute, settings)).toMatchObject({ to: "stopping" });
    const short = ws("asleep", { asleepAt: new Date(t0), snapshotRetentionDays: 2 });
    expect(timedDecision(short, t0 + 3 * 24 * 60 * minute, settings)?.reason).toContain("2 days");
  });

  it("bills every started hour, stops counting when the workspace ended, and says nothing before a server", () => {
    expect(costSoFar(ws("ready"), t0 + minute)).toEqual({ hours: 1, eur: 0.0096 });
    expect(costSoFar(ws("ready"), t0 + 61 * minute)).toEqual({ hours: 2, eur: 0.0192 });
    const ended = ws("deleted", { endedAt: new Date(t0 + 30 * minute) });
    expect(costSoFar(ended, t0 + 500 * minute)).toEqual({ hours: 1, eur: 0.0096 });
    expect(costSoFar(ws("creating", { serverCreatedAt: null }), t0 + minute)).toBeNull();
  });
});
