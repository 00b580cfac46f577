import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it } from "vitest";
import type { WorkspaceDetail } from "../src/api/types.ts";
import { BootBar } from "../src/components/BootBar.tsx";
import { BootProgress } from "../src/components/Timeline.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function render(progress: WorkspaceDetail["progress"]): HTMLElement {
  const ws = { created_at: "2026-11-30T10:00:00.000Z", progress } as WorkspaceDetail;
  const container = document.createElement("div");
  act(() => createRoot(container).render(<BootBar ws={ws} />));
  return container;
}

const at = (s: number) => new Date(Date.parse("2026-11-30T10:00:00.000Z") + s * 1000).toISOString();
const line = (s: number, message: string) => ({ at: at(s), message });

const fullBoot = [
  line(9, "[agent] berth-agent started (first start)"),
  line(9, "[timeline] agent.start berth-agent started"),
  line(6, "[timeline] cloud-init.start cloud-init started"),
  line(10, "[clone] Cloning https://github.com/o/r.git"),
  line(12, "[timeline] cloud-init.done cloud-init finished"),
  line(14, "[timeline] clone.done repository cloned"),
  line(26, "[timeline] devcontainer.done devcontainer up"),
  line(27, "[timeline] terminal.ready terminal ready"),
];

describe("the boot time bar", () => {
  it("shows each phase with its duration, and the total from create to terminal", () => {
    // Reported out of order (cloud-init's start is read after the agent started): times decide.
    const el = render([fullBoot[2], ...fullBoot.filter((_, i) => i !== 2)] as WorkspaceDetail["progress"]);
    expect(el.textContent).toContain("Terminal ready: 27 s after creating");
    expect(el.textContent).toContain("cloud-init ran 6.0 s");
    const legend = [...el.querySelectorAll(".bootbar-legend li")].map((li) => li.textContent?.trim());
    expect(legend).toEqual([
      "server create + boot 6.0 s",
      "cloud-init 3.0 s",
      "agent + clone 5.0 s",
      "devcontainer up 12 s",
      "terminal 1.0 s",
    ]);
    const bar = el.querySelector(".bootbar");
    expect(bar?.getAttribute("role")).toBe("img");
    expect(bar?.getAttribute("aria-label")).toContain("devcontainer up 12 s");
    // Segments are as wide as their share of the time.
    const grow = [...el.querySelectorAll<HTMLElement>(".bootbar-phase")].map((d) => Number(d.style.flexGrow));
    expect(grow).toEqual([6, 3, 5, 12, 1]);
  });

  it("while booting, shows the phases so far", () => {
    const el = render(fullBoot.slice(0, 6));
    expect(el.textContent).toContain("So far: 14 s after creating");
    expect([...el.querySelectorAll(".bootbar-legend li")]).toHaveLength(3);
  });

  it("shows nothing before the first mark, or for an agent that reports none", () => {
    expect(render([line(3, "[clone] Cloning")]).textContent).toBe("");
  });

  it("keeps the marks out of the boot progress lines (the bar shows them)", () => {
    const ws = { state: "ready", created_at: at(0), progress: fullBoot } as WorkspaceDetail;
    const container = document.createElement("div");
    act(() => createRoot(container).render(<BootProgress ws={ws} />));
    const lines = [...container.querySelectorAll("ol.log li")].map((li) => li.textContent);
    expect(lines).toHaveLength(2);
    expect(lines.join("\n")).toContain("[clone] Cloning");
    expect(lines.join("\n")).not.toContain("[timeline]");
  });
});
