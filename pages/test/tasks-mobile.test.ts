import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** The innermost rules of a stylesheet: selector list and declarations (comments dropped). */
function rules(file: string): { selectors: string[]; decls: Map<string, string> }[] {
  const css = readFileSync(join(srcDir, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  return [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map((m) => ({
    selectors: (m[1] ?? "").split(",").map((s) => s.trim()),
    decls: new Map(
      (m[2] ?? "")
        .split(";")
        .map((d) => d.split(":").map((x) => x.trim()))
        .filter((d): d is [string, string] => d.length === 2 && d[0] !== "")
        .map(([k, v]) => [k, v]),
    ),
  }));
}

/** A length in CSS px at the dashboard's root font size (15px), or null for %, vw, auto, calc… */
function px(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(px|rem|em)$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * (m[2] === "px" ? 1 : 15);
}

const phoneWidth = 320;
const taskRules = rules("tasks.css");
const declOf = (selector: string, property: string) =>
  taskRules.find((r) => r.selectors.includes(selector) && r.decls.has(property))?.decls.get(property);

describe("the task views on a phone", () => {
  it("fix no width wider than a small phone's screen", () => {
    expect(taskRules.length).toBeGreaterThan(10);
    for (const r of [...taskRules, ...rules("styles.css")]) {
      for (const prop of ["width", "min-width", "flex-basis"]) {
        const value = r.decls.get(prop);
        const size = value ? px(value) : null;
        if (size !== null)
          expect(size, `${r.selectors.join(", ")} { ${prop}: ${value} }`).toBeLessThanOrEqual(phoneWidth);
      }
    }
  });

  it("make every tap target at least 44px high", () => {
    for (const selector of [
      ".tasks-page button",
      ".task-view button",
      ".tasks-page select",
      ".dialog .actions button",
      ".button-link",
      ".task-item-link",
      ".task-pr-link",
      ".task-pr a",
      ".back-link",
      ".task-timeline details > summary",
    ]) {
      expect(declOf(selector, "min-height"), selector).toBe("44px");
    }
  });

  it("make the header's links, the way to the tasks on a phone, tall enough to tap", () => {
    const header = rules("styles.css").find((r) => r.selectors.includes(".topbar nav a"));
    expect(header?.decls.get("min-height")).toBe("44px");
    expect(header?.selectors).toContain(".topbar .brand");
  });

  it("wrap long paths, commands and tool output instead of scrolling sideways", () => {
    for (const selector of [".task-text", ".tool-input", ".tool-output", ".task-event-body", ".task-item"]) {
      expect(declOf(selector, "overflow-wrap"), selector).toBe("anywhere");
    }
    expect(declOf(".tool-output", "white-space")).toBe("pre-wrap");
    expect(declOf("textarea", "max-width")).toBe("100%");
  });
});
