import { describe, expect, test } from "bun:test";
import { createResidentTrimmer, mappingsOf, residentBytes } from "../src/sys/resident.ts";

describe("releasing the binary's resident pages", () => {
  test("finds the binary's mappings in /proc/self/maps", async () => {
    const maps = await Bun.file("/proc/self/maps").text();
    const mine = mappingsOf(maps, process.execPath);
    expect(mine.length).toBeGreaterThan(0);
    for (const m of mine) expect(m.end).toBeGreaterThan(m.start);
    expect(mappingsOf("7f00-7f10 r-xp 00000000 08:01 42   /other/file\n", "/x")).toEqual([]);
    expect(await residentBytes()).toBeGreaterThan(1 << 20);
  });

  test("once up, then again only after the page was left alone for the quiet time after a visit", () => {
    let now = 0;
    let released = 0;
    const t = createResidentTrimmer({
      now: () => now,
      quietMs: 60_000,
      release: async () => void released++,
    });
    t.tick(false);
    expect(released).toBe(1);
    t.tick(false);
    expect(released).toBe(1);
    now = 10_000;
    t.tick(true);
    now = 69_999;
    t.tick(false);
    expect(released).toBe(1);
    now = 70_000;
    t.tick(false);
    t.tick(false);
    expect(released).toBe(2);
  });
});
