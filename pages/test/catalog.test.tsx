import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it, vi } from "vitest";
import type { ServerTypeCatalog } from "../src/api/types.ts";
import { serverTypeLabel, serverTypesFromCatalog } from "../src/lib/catalog.ts";
import { CreateWorkspaceForm } from "../src/views/CreateWorkspaceForm.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const catalog: ServerTypeCatalog = {
  default_server_type: "cx23",
  default_location: "fsn1",
  server_types: [
    {
      name: "cx23",
      architecture: "x86",
      cores: 2,
      memory_gb: 4,
      prices: [
        { location: "fsn1", hourly_eur: 0.0057 },
        { location: "hel1", hourly_eur: 0.0061 },
      ],
    },
    {
      name: "cax31",
      architecture: "arm",
      cores: 8,
      memory_gb: 16,
      prices: [{ location: "nbg1", hourly_eur: 0.0201 }],
    },
  ],
};

describe("the size list follows Hetzner's catalog", () => {
  it("labels each type with its cheapest hourly price", () => {
    const [cx23, cax31] = serverTypesFromCatalog(catalog);
    expect(serverTypeLabel(cx23 ?? never())).toBe("cx23 — 2 vCPU, 4 GB RAM, x86 · from €0.0057/h");
    expect(serverTypeLabel(cax31 ?? never())).toBe("cax31 — 8 vCPU, 16 GB RAM, Arm64 · from €0.0201/h");
  });

  it("offers exactly the catalog's types in the create form", () => {
    const container = document.createElement("div");
    const root = createRoot(container);
    act(() =>
      root.render(<CreateWorkspaceForm onCreated={vi.fn()} serverTypes={serverTypesFromCatalog(catalog)} />),
    );
    const options = [...container.querySelectorAll("select option")].map((o) => o.getAttribute("value"));
    expect(options).toEqual(expect.arrayContaining(["cx23", "cax31"]));
    expect(options).not.toContain("cx33"); // the built-in list is gone once the catalog is known
    act(() => root.unmount());
  });
});

function never(): never {
  throw new Error("missing server type");
}
