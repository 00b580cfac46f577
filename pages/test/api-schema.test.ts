// @vitest-environment node
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderApiSchema, schemaFile } from "../scripts/api-schema.ts";

describe("the dashboard's API types", () => {
  it("are what openapi-typescript makes of workers/openapi.json (else: run pnpm gen:api)", async () => {
    const fresh = await renderApiSchema();
    const checkedIn = readFileSync(schemaFile, "utf8");
    expect(checkedIn === fresh, "pages/src/api/schema.d.ts is stale: run pnpm gen:api").toBe(true);
  });
});
