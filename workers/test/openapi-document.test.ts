import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import checkedIn from "../openapi.json";
import { operationsOf, fetchOpenApi as served } from "./support/openapi.ts";

/** The operations anyone may call: a new one must be added here on purpose. */
const publicOperations = new Set(["getHealth", "signIn"]);

describe("GET /api/openapi.json", () => {
  it("is the checked-in workers/openapi.json (else: run pnpm gen:openapi)", async () => {
    const doc = await served();
    expect(
      JSON.stringify(doc) === JSON.stringify(checkedIn),
      "workers/openapi.json is stale: run pnpm gen:openapi",
    ).toBe(true);
  });

  it("names this deployment's public URL as its server", async () => {
    expect((await served()).servers).toEqual([expect.objectContaining({ url: env.BERTH_PUBLIC_URL })]);
  });

  it("gives every operation a unique operationId and one of the declared security schemes", async () => {
    const doc = await served();
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(15);
    const ids = ops.map((op) => op.operationId);
    expect(new Set(ids).size, ids.join(", ")).toBe(ids.length);
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const op of ops) {
      expect(op.operationId, `${op.method} ${op.path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.security, `${op.operationId} declares its security`).toBeDefined();
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes, op.operationId).toContain(name);
      }
    }
  });

  it("asks for the right credentials: API key or session for people, VM tokens for /api/vm, none for health", async () => {
    const ops = operationsOf(await served());
    const schemesOf = (op: (typeof ops)[number]) =>
      (op.security ?? []).map((r) => Object.keys(r).join("+") || "anonymous").sort();
    for (const op of ops) {
      const label = `${op.method} ${op.path}`;
      if (op.path.startsWith("/api/vm/")) {
        const expected = op.path.endsWith("/bootstrap") ? ["vmBootstrap"] : ["vmCallback"];
        expect(schemesOf(op), label).toEqual(expected);
      } else if (publicOperations.has(op.operationId)) {
        expect(schemesOf(op), label).toEqual([]);
      } else if (op.operationId === "signOut") {
        expect(schemesOf(op), label).toEqual(["anonymous", "session"]);
      } else {
        expect(schemesOf(op), label).toEqual(["bearer", "session"]);
      }
    }
  });
});
