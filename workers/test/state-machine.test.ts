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

  it("stops a ready workspace after five minutes without a heartbeat, counted from the last one", () => {
    expect(timedDecision(ws("ready"), t0 + 4 * minute, settings)).toBeNull();
    expect(timedDecision(ws("ready"), t0 + 6 * minute, settings)).toMatchObject({ to: "stopping" });
    const beating = ws("ready", { lastHeartbeatAt: new Date(t0 + 5 * minute) });
    expect(timedDecision(beating, t0 + 9 * minute, settings)).toBeNull();
  });

  it("stops at the maximum lifetime even with fresh heartbeats", () => {
    const at = t0 + 12 * 60 * minute + 1;
    const decision = timedDecision(ws("ready", { lastHeartbeatAt: new Date(at) }), at, settings);
    expect(decision?.to).toBe("stopping");
    expect(decision?.reason).toContain("maximum lifetime");
  });

  it("bills every started hour, stops counting when the workspace ended, and says nothing before a server", () => {
    expect(costSoFar(ws("ready"), t0 + minute)).toEqual({ hours: 1, eur: 0.0096 });
    expect(costSoFar(ws("ready"), t0 + 61 * minute)).toEqual({ hours: 2, eur: 0.0192 });
    const ended = ws("deleted", { endedAt: new Date(t0 + 30 * minute) });
    expect(costSoFar(ended, t0 + 500 * minute)).toEqual({ hours: 1, eur: 0.0096 });
    expect(costSoFar(ws("creating", { serverCreatedAt: null }), t0 + minute)).toBeNull();
  });
});
