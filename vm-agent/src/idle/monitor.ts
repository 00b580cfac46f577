import {
  claudeView,
  evaluate,
  type HookInput,
  type IdleSettings,
  type IdleState,
  idleView,
  initialIdleState,
  type PersistedIdle,
  persistable,
  recordActivity,
  recordHook,
  recordHumanInput,
  type ShutdownReason,
} from "./policy.ts";
import type { IdleReport } from "./report.ts";

export interface IdleMonitorOptions {
  settings: IdleSettings;
  now?: () => number;
  /** Clocks restored from the data dir (a restart is not activity). */
  persisted?: PersistedIdle | null;
  persist?: (state: PersistedIdle) => Promise<void>;
  onWarn(reason: ShutdownReason, shutdownAt: number): void;
  onCancelWarning(): void;
  /** Called at most once per monitor: the decision is final. */
  onShutdown(reason: ShutdownReason): void;
  log?: (msg: string) => void;
}

export interface IdleMonitor {
  humanInput(): void;
  /** Activity that is not a keystroke (the end of a first boot). */
  activity(): void;
  hook(hook: HookInput): void;
  /** Evaluate now and run the resulting actions; the daemon calls this every few seconds. */
  tick(): void;
  report(): IdleReport;
  /** Write the clocks now (also done on ticks when they changed). */
  flush(): Promise<void>;
}

/** The imperative shell around the pure policy: owns the clock, persistence and the callbacks. */
export function createIdleMonitor(opts: IdleMonitorOptions): IdleMonitor {
  const now = opts.now ?? Date.now;
  let state: IdleState = initialIdleState(now(), opts.persisted);
  let saved = opts.persisted ? JSON.stringify(opts.persisted) : "";
  let saving: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    const persist = opts.persist;
    if (!persist) return saving;
    const snapshot = persistable(state);
    const text = JSON.stringify(snapshot);
    if (text === saved) return saving;
    saved = text;
    // Chained so writes never overlap and land in order.
    saving = saving
      .then(() => persist(snapshot))
      .catch((err) => opts.log?.(`idle: could not save state: ${String(err)}`));
    return saving;
  };

  const tick = (): void => {
    const result = evaluate(state, now(), opts.settings);
    state = result.state;
    for (const action of result.actions) {
      if (action.type === "warn") opts.onWarn(action.reason, action.shutdownAt);
      else if (action.type === "cancel_warning") opts.onCancelWarning();
      else opts.onShutdown(action.reason);
    }
    void flush();
  };

  return {
    humanInput() {
      state = recordHumanInput(state, now());
      // Take the banner down at once rather than on the next tick.
      if (state.warning) tick();
    },
    activity() {
      state = recordActivity(state, now());
      if (state.warning) tick();
    },
    hook(hook) {
      state = recordHook(state, hook, now(), opts.settings);
      if (state.warning) tick();
    },
    tick,
    report() {
      const t = now();
      const view = idleView(state, t, opts.settings);
      const claude = claudeView(state, t, opts.settings);
      return {
        now: t,
        startedAt: state.startedAt,
        lastHumanInputAt: state.lastHumanInputAt,
        lastActivityAt: view.lastActivityAt,
        idleMs: view.idleMs,
        warning: view.warning,
        shutdownAt: view.shutdownAt,
        shutdownReason: state.shutdownReason ?? view.shutdownReason,
        shutdownDecided: state.shutdownReason !== null,
        claude: {
          state: claude.state,
          waitingReason: claude.waitingReason,
          lastWorkAt: state.lastClaudeWorkAt,
          sessions: Object.keys(state.sessions).length,
        },
      };
    },
    flush,
  };
}
