import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../src/api/types.ts";
import { formatBytes, formatMonthlyStorage, whatDeleteLoses } from "../src/lib/sleep.ts";
import { canDelete, canStop, canWake, stateLabels } from "../src/lib/states.ts";
import { SleepPanel } from "../src/views/SleepPanel.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const now = Date.parse("2026-11-30T12:00:00Z");
const day = 86_400_000;

function asleep(sleep: Partial<NonNullable<Workspace["sleep"]>> = {}): Workspace {
  return {
    id: "wabc",
    name: "demo",
    state: "asleep",
    state_reason: "agent: idle; asleep on its sleep snapshot",
    repo_url: "https://github.com/o/r.git",
    branch: null,
    server_type: "cx23",
    location: "fsn1",
    hostname: "wabc.example.dev",
    url: "https://wabc.example.dev",
    idle_timeout_minutes: 30,
    created_at: new Date(now - 3 * day).toISOString(),
    ready_at: null,
    ended_at: null,
    last_activity_at: null,
    cost: { hourly_eur: 0.0057, total_eur: 0.02, billed_hours: 3 },
    sleep: {
      asleep_at: new Date(now - 2 * day).toISOString(),
      snapshot: {
        id: "s1",
        kind: "sleep",
        size_bytes: 230_000_000,
        created_at: new Date(now - 2 * day).toISOString(),
      },
      stored_bytes: 230_000_000,
      monthly_storage_eur: 0.00322,
      expires_at: new Date(now + 28 * day).toISOString(),
      expires_soon: false,
      retention_days: 30,
      ...sleep,
    },
  } as Workspace;
}

function render(ws: Workspace): HTMLElement {
  const container = document.createElement("div");
  const root = createRoot(container);
  act(() => root.render(<SleepPanel ws={ws} now={now} />));
  return container;
}

describe("an asleep workspace on the dashboard", () => {
  it("shows the snapshot's size and age, the monthly storage cost and the expiry", () => {
    const el = render(asleep());
    expect(el.querySelector("[data-testid=snapshot-size]")?.textContent).toBe("230 MB");
    expect(el.querySelector("[data-testid=snapshot-age]")?.textContent).toBe("2 d ago");
    expect(el.querySelector("[data-testid=storage-cost]")?.textContent).toContain("€0.0032 a month");
    expect(el.querySelector("[data-testid=snapshot-expiry]")?.textContent).toContain("kept 30 days");
    expect(el.querySelector("[data-testid=expiry-warning]")).toBeNull();
  });

  it("warns when the snapshot expires within 3 days", () => {
    const el = render(asleep({ expires_soon: true, expires_at: new Date(now + 2 * day).toISOString() }));
    expect(el.querySelector("[data-testid=expiry-warning]")?.textContent).toContain("Wake it before then");
  });

  it("says plainly when there is no snapshot", () => {
    const el = render(asleep({ snapshot: null, stored_bytes: 0, monthly_storage_eur: 0 }));
    expect(el.textContent).toContain("There is no snapshot: the work since the workspace started was lost");
  });

  it("names what a delete loses", () => {
    expect(whatDeleteLoses(asleep())).toMatch(
      /snapshot \(230 MB\) is deleted for good.*Claude's conversation/,
    );
    expect(whatDeleteLoses({ ...asleep(), state: "ready", sleep: null })).toContain("without a sleep");
  });

  it("offers Wake only when asleep, Sleep/Stop while up or starting, Delete until it ended", () => {
    expect(canWake("asleep")).toBe(true);
    expect(canStop("asleep")).toBe(false);
    expect(canStop("ready")).toBe(true);
    expect(canStop("waking")).toBe(true);
    expect(canStop("sleeping")).toBe(false);
    expect(canDelete("asleep")).toBe(true);
    expect(canDelete("deleted")).toBe(false);
    expect(stateLabels.sleeping).toBe("Going to sleep");
  });

  it("formats sizes and tiny costs without rounding them away", () => {
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1_500_000_000)).toBe("1.5 GB");
    expect(formatMonthlyStorage(0.00000042)).toBe("under €0.0001 a month");
  });
});
