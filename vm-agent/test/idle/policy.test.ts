import { describe, expect, test } from "bun:test";
import {
  claudeView,
  evaluate,
  type HookInput,
  type IdleAction,
  type IdleSettings,
  type IdleState,
  idleView,
  initialIdleState,
  persistable,
  recordHook,
  recordHumanInput,
} from "../../src/idle/policy.ts";

const MIN = 60_000;
const settings: IdleSettings = {
  idleTimeoutMs: 30 * MIN,
  graceMs: 5 * MIN,
  maxLifetimeMs: 24 * 60 * MIN,
  leaseMs: 5 * MIN,
  subagentLeaseMs: 10 * MIN,
  leaseCapMs: 4 * 60 * MIN,
};

/** Drives the pure policy on a fake clock, ticking every 5 s like the daemon. */
function sim(st: IdleSettings = settings, start = 1_000_000) {
  let now = start;
  let state: IdleState = initialIdleState(now);
  const actions: Array<IdleAction & { at: number }> = [];
  const tick = () => {
    const r = evaluate(state, now, st);
    state = r.state;
    for (const a of r.actions) actions.push({ ...a, at: now });
  };
  return {
    get now() {
      return now;
    },
    get state() {
      return state;
    },
    set state(s: IdleState) {
      state = s;
    },
    actions,
    /** Advance the clock in 5 s ticks. */
    advance(ms: number) {
      const end = now + ms;
      while (now < end) {
        now = Math.min(end, now + 5000);
        tick();
      }
    },
    /** Move the clock without ticking: the daemon's timer stalled (a loaded machine, a paused VM). */
    stall(ms: number) {
      now += ms;
    },
    tick,
    input() {
      state = recordHumanInput(state, now);
      tick();
    },
    hook(event: HookInput["event"], extra: Partial<HookInput> = {}) {
      state = recordHook(state, { event, sessionId: "s1", ...extra }, now, st);
      tick();
    },
    shutdowns() {
      return actions.filter((a) => a.type === "shutdown");
    },
  };
}

describe("idle policy", () => {
  test("a VM nobody touches warns at idle_timeout and shuts down after the grace", () => {
    const s = sim();
    s.advance(30 * MIN - 5000);
    expect(s.actions).toEqual([]);
    s.advance(5000);
    expect(s.actions[0]).toMatchObject({ type: "warn", reason: "idle", shutdownAt: s.now + 5 * MIN });
    s.advance(5 * MIN);
    expect(s.shutdowns()).toEqual([{ type: "shutdown", reason: "idle", at: s.now }]);
    // Ticks continue: the decision is never emitted again.
    s.advance(60 * MIN);
    expect(s.shutdowns()).toHaveLength(1);
  });

  test("output-only traffic does not keep a VM alive", () => {
    // Terminal output, pings and browser connects never reach the policy: only input and hooks do.
    // A build printing for hours is modelled as the clock running with no recorded activity.
    const s = sim();
    s.advance(35 * MIN);
    expect(s.shutdowns()).toHaveLength(1);
    expect(s.shutdowns()[0]?.reason).toBe("idle");
  });

  test("human input keeps it alive; idle counts from the last keystroke", () => {
    const s = sim();
    for (let i = 0; i < 10; i++) {
      s.advance(20 * MIN);
      s.input();
    }
    expect(s.shutdowns()).toHaveLength(0);
    const lastInput = s.now;
    s.advance(35 * MIN);
    expect(s.shutdowns()[0]?.at).toBe(lastInput + 35 * MIN);
  });

  test("warning then cancel on input", () => {
    const s = sim();
    s.advance(31 * MIN);
    expect(s.actions.map((a) => a.type)).toEqual(["warn"]);
    expect(idleView(s.state, s.now, settings).warning).toBe(true);
    s.input();
    expect(s.actions.map((a) => a.type)).toEqual(["warn", "cancel_warning"]);
    expect(idleView(s.state, s.now, settings).warning).toBe(false);
    s.advance(29 * MIN);
    expect(s.shutdowns()).toHaveLength(0);
  });

  test("Claude working (a turn with tool hooks ending in Stop) keeps the VM alive", () => {
    const s = sim();
    s.advance(25 * MIN);
    s.hook("UserPromptSubmit");
    // A long turn: tool hooks every 3 minutes for 2 hours.
    for (let i = 0; i < 40; i++) {
      s.advance(3 * MIN);
      s.hook(i % 2 ? "PostToolUse" : "PreToolUse");
    }
    expect(claudeView(s.state, s.now, settings).state).toBe("working");
    expect(s.shutdowns()).toHaveLength(0);
    s.hook("Stop");
    const stoppedAt = s.now;
    expect(claudeView(s.state, s.now, settings).state).toBe("idle");
    s.advance(40 * MIN);
    expect(s.shutdowns()[0]?.at).toBe(stoppedAt + 35 * MIN);
  });

  test("an interrupted turn (prompt, tool hooks, then nothing: no Stop) lapses", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    s.advance(1 * MIN);
    s.hook("PreToolUse");
    s.advance(1 * MIN);
    s.hook("PostToolUse");
    const lastHook = s.now;
    // The person pressed Esc: no more hooks, ever.
    s.advance(4 * MIN);
    expect(claudeView(s.state, s.now, settings).state).toBe("working");
    s.advance(2 * MIN);
    expect(claudeView(s.state, s.now, settings).state).toBe("idle");
    s.advance(60 * MIN);
    const shutdown = s.shutdowns();
    expect(shutdown).toHaveLength(1);
    // Idle counts from the lease's lapse, 5 minutes after the last hook.
    expect(shutdown[0]?.at).toBe(lastHook + 5 * MIN + 35 * MIN);
  });

  test("a lease renewed forever is capped", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    const start = s.now;
    for (let i = 0; i < 200; i++) {
      s.advance(2 * MIN);
      s.hook("PreToolUse");
    }
    // Cap (4 h) + timeout + grace after the prompt, although tool hooks never stopped.
    expect(s.shutdowns()[0]?.at).toBeLessThanOrEqual(start + 4 * 60 * MIN + 35 * MIN + 5000);
  });

  test("running subagents keep it alive after Stop, and lapse on their own", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    s.hook("SubagentStart");
    s.hook("SubagentStart");
    s.hook("Stop");
    // Subagents keep working, renewing through their tool hooks.
    for (let i = 0; i < 20; i++) {
      s.advance(8 * MIN);
      s.hook("PostToolUse");
    }
    expect(claudeView(s.state, s.now, settings).state).toBe("working");
    expect(s.shutdowns()).toHaveLength(0);
    s.hook("SubagentStop");
    s.advance(9 * MIN);
    expect(claudeView(s.state, s.now, settings).state).toBe("working");
    // The remaining subagent goes silent (no SubagentStop): its own 10-minute lease lapses.
    const last = s.now - 9 * MIN;
    s.advance(60 * MIN);
    expect(s.shutdowns()[0]?.at).toBe(last + 10 * MIN + 35 * MIN);
  });

  test("subagents that all stopped do not keep it alive", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    s.hook("SubagentStart");
    s.hook("SubagentStop");
    s.hook("Stop");
    expect(claudeView(s.state, s.now, settings).state).toBe("idle");
  });

  test("waiting for permission is not activity, but is reported", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    s.advance(1 * MIN);
    s.hook("Notification", { notificationType: "permission_prompt" });
    const waitingFrom = s.now;
    expect(claudeView(s.state, s.now, settings)).toEqual({
      state: "waiting",
      waitingReason: "permission_prompt",
    });
    s.advance(36 * MIN);
    expect(claudeView(s.state, s.now, settings).waitingReason).toBe("permission_prompt");
    expect(s.shutdowns()[0]?.at).toBe(waitingFrom + 35 * MIN);
  });

  test("permission granted: the next tool hook clears waiting and renews work", () => {
    const s = sim();
    s.hook("UserPromptSubmit");
    s.hook("Notification", { notificationType: "permission_prompt" });
    s.advance(MIN);
    s.hook("PostToolUse");
    expect(claudeView(s.state, s.now, settings)).toEqual({ state: "working", waitingReason: null });
  });

  test("idle_prompt is reported as waiting; other notifications are ignored", () => {
    const s = sim();
    s.hook("Notification", { notificationType: "auth_success" });
    expect(claudeView(s.state, s.now, settings).state).toBe("idle");
    s.hook("Notification", { notificationType: "idle_prompt" });
    expect(claudeView(s.state, s.now, settings)).toEqual({ state: "waiting", waitingReason: "idle_prompt" });
  });

  test("a Stop in one session does not end another session's lease", () => {
    const s = sim();
    s.hook("UserPromptSubmit", { sessionId: "a" });
    s.hook("UserPromptSubmit", { sessionId: "b" });
    s.hook("Stop", { sessionId: "a" });
    s.advance(MIN);
    expect(claudeView(s.state, s.now, settings).state).toBe("working");
  });

  test("restart keeps the clock: restored state is not activity", () => {
    const s = sim();
    s.advance(20 * MIN);
    s.input();
    s.advance(25 * MIN);
    const saved = JSON.parse(JSON.stringify(persistable(s.state)));
    // The agent restarts 45 minutes after boot, 25 minutes after the last input.
    const restarted = initialIdleState(s.now, saved);
    expect(idleView(restarted, s.now, settings).idleMs).toBe(25 * MIN);
    const r1 = evaluate(restarted, s.now + 5 * MIN, settings);
    expect(r1.actions).toMatchObject([{ type: "warn", reason: "idle" }]);
    const r2 = evaluate(r1.state, s.now + 10 * MIN, settings);
    expect(r2.actions).toEqual([{ type: "shutdown", reason: "idle" }]);
  });

  test("max lifetime shuts down regardless of activity, after a warning", () => {
    const st = { ...settings, maxLifetimeMs: 3 * 60 * MIN };
    const s = sim(st);
    const boot = s.now;
    for (let i = 0; i < 40; i++) {
      s.advance(5 * MIN);
      s.input();
      s.hook("PreToolUse");
    }
    const warn = s.actions.find((a) => a.type === "warn");
    expect(warn).toMatchObject({ reason: "max_lifetime", shutdownAt: boot + 3 * 60 * MIN });
    expect(s.actions.some((a) => a.type === "cancel_warning")).toBe(false);
    expect(s.shutdowns()).toEqual([{ type: "shutdown", reason: "max_lifetime", at: boot + 3 * 60 * MIN }]);
  });

  test("max lifetime counts from the first start across restarts", () => {
    const st = { ...settings, maxLifetimeMs: 60 * MIN };
    const first = initialIdleState(0);
    const restarted = initialIdleState(50 * MIN, persistable(recordHumanInput(first, 50 * MIN)));
    // Restarted past the end with no warning on screen: warn first, then sleep after the grace.
    const r1 = evaluate(restarted, 60 * MIN, st);
    expect(r1.actions).toEqual([{ type: "warn", reason: "max_lifetime", shutdownAt: 65 * MIN }]);
    expect(evaluate(r1.state, 65 * MIN, st).actions).toEqual([{ type: "shutdown", reason: "max_lifetime" }]);
  });

  test("a tick that stalls past the grace still warns, and gives the full grace before the sleep", () => {
    const s = sim();
    s.advance(29 * MIN);
    // The timer stalls from before the warning until well after the scheduled sleep.
    s.stall(40 * MIN);
    s.tick();
    expect(s.actions).toEqual([{ type: "warn", reason: "idle", shutdownAt: s.now + 5 * MIN, at: s.now }]);
    expect(idleView(s.state, s.now, settings)).toMatchObject({ warning: true, shutdownAt: s.now + 5 * MIN });
    s.advance(5 * MIN - 5000);
    expect(s.shutdowns()).toEqual([]);
    s.advance(5000);
    expect(s.shutdowns()).toEqual([{ type: "shutdown", reason: "idle", at: s.now }]);
  });

  test("input during a late warning cancels it like any other", () => {
    const s = sim();
    s.advance(29 * MIN);
    s.stall(40 * MIN);
    s.tick();
    s.advance(2 * MIN);
    s.input();
    expect(s.actions.map((a) => a.type)).toEqual(["warn", "cancel_warning"]);
    s.advance(29 * MIN);
    expect(s.shutdowns()).toEqual([]);
  });

  test("a warning once shown is not cut short by a stall inside the grace", () => {
    const s = sim();
    s.advance(30 * MIN);
    const warnedAt = s.now;
    expect(s.actions).toMatchObject([{ type: "warn", shutdownAt: warnedAt + 5 * MIN }]);
    s.stall(10 * MIN);
    s.tick();
    expect(s.shutdowns()).toEqual([{ type: "shutdown", reason: "idle", at: warnedAt + 10 * MIN }]);
  });

  test("SessionStart alone is not work", () => {
    const s = sim();
    s.hook("SessionStart");
    expect(claudeView(s.state, s.now, settings).state).toBe("idle");
    s.advance(35 * MIN);
    expect(s.shutdowns()).toHaveLength(1);
  });
});
