import { describe, expect, it } from "vitest";
import { formatAgo, formatCountdown, formatEur, formatHourly, msUntil } from "../src/lib/format.ts";
import { claudeStatusText, fastPollMs, pollInterval, slowPollMs } from "../src/lib/states.ts";

describe("cost formatting", () => {
  it.each([
    [0, "€0.00"],
    [0.0088, "€0.0088"],
    [0.05, "€0.05"],
    [0.0123456, "€0.0123"],
    [0.5, "€0.50"],
    [0.123, "€0.123"],
    [1, "€1.00"],
    [12.345, "€12.35"],
    [12.3, "€12.30"],
  ])("formatEur(%s) = %s", (value, text) => expect(formatEur(value)).toBe(text));

  it("shows a dash for an unknown amount and labels hourly prices", () => {
    expect(formatEur(null)).toBe("—");
    expect(formatEur(Number.NaN)).toBe("—");
    expect(formatHourly(0.0088)).toBe("€0.0088/h");
    expect(formatHourly(null)).toBe("price unknown");
  });
});

describe("idle countdown", () => {
  it.each([
    [0, "0:00"],
    [-5000, "0:00"],
    [999, "0:01"],
    [59_000, "0:59"],
    [60_000, "1:00"],
    [125_000, "2:05"],
    [3_600_000, "1:00:00"],
    [3_725_000, "1:02:05"],
  ])("formatCountdown(%s) = %s", (ms, text) => expect(formatCountdown(ms)).toBe(text));

  it("measures time to the shutdown instant", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(msUntil("2026-01-01T12:02:30Z", now)).toBe(150_000);
    expect(msUntil("2026-01-01T11:59:00Z", now)).toBe(-60_000);
    expect(msUntil(null, now)).toBeNull();
    expect(msUntil("not a date", now)).toBeNull();
    expect(formatCountdown(msUntil("2026-01-01T12:02:30Z", now) ?? 0)).toBe("2:30");
  });

  it("says how long ago", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(formatAgo(null, now)).toBe("never");
    expect(formatAgo("2026-01-01T11:59:50Z", now)).toBe("just now");
    expect(formatAgo("2026-01-01T11:55:00Z", now)).toBe("5 min ago");
    expect(formatAgo("2026-01-01T09:00:00Z", now)).toBe("3 h ago");
  });
});

describe("polling and Claude status", () => {
  it("polls fast while anything starts or stops", () => {
    expect(pollInterval(["ready", "booting"])).toBe(fastPollMs);
    expect(pollInterval(["stopping"])).toBe(fastPollMs);
    expect(pollInterval(["ready", "deleted"])).toBe(slowPollMs);
    expect(pollInterval([])).toBe(slowPollMs);
    expect(fastPollMs).toBe(3000);
    expect(slowPollMs).toBe(15000);
  });
  it("words the agent's Claude state", () => {
    expect(claudeStatusText("working", null)).toBe("Claude is working");
    expect(claudeStatusText("waiting", "idle_prompt")).toBe("Claude is waiting for you");
    expect(claudeStatusText("waiting", "permission_prompt")).toMatch(/^Claude is waiting for you/);
    expect(claudeStatusText(null, null)).toBeNull();
  });
});
