import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it } from "vitest";
import type { Usage } from "../src/api/types.ts";
import { UsageLine } from "../src/views/UsageSummary.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function render(usage: Usage): HTMLElement {
  const container = document.createElement("div");
  const root = createRoot(container);
  act(() => root.render(<UsageLine usage={usage} />));
  return container;
}

const base: Usage = {
  month: "2026-11",
  spent_eur: 1.5,
  budget_eur: 20,
  remaining_eur: 18.5,
  max_live_workspaces: 5,
  allowed_server_types: ["cx23"],
};

describe("spend against budget on the dashboard", () => {
  it("shows what this month cost against the budget, with a meter", () => {
    const el = render(base);
    expect(el.textContent).toMatch(/Spent this month \(2026-11\): .*1\.50.* of your .*20\.00.* budget/);
    expect(el.querySelector("meter")?.getAttribute("value")).toBe("0.075");
  });

  it("says so when the budget is used up", () => {
    expect(render({ ...base, spent_eur: 21, remaining_eur: 0 }).textContent).toContain("used up");
  });

  it("without a budget, shows the spend alone", () => {
    expect(render({ ...base, budget_eur: null, remaining_eur: null }).textContent).toContain(
      "No monthly budget is set",
    );
  });
});
