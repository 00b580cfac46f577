import { describe, expect, it } from "vitest";
import { api, signIn } from "./support/session.ts";

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe("one error shape for every failure", () => {
  it("unauthenticated requests get 401", async () => {
    await expectError(await api("/api/me"), 401, "unauthorized");
    await expectError(await api("/api/keys"), 401, "unauthorized");
    await expectError(await api("/api/keys", { method: "POST", body: '{"name":"x"}' }), 401, "unauthorized");
  });

  it("unknown routes get 404", async () => {
    await expectError(await api("/api/nope"), 404, "not_found");
  });

  it("malformed JSON gets 400", async () => {
    const cookie = await signIn("alice");
    await expectError(
      await api("/api/keys", { method: "POST", headers: { cookie }, body: "{not json" }),
      400,
      "bad_request",
    );
  });

  it("a body that is not JSON at all is refused", async () => {
    const cookie = await signIn("alice");
    const res = await api("/api/keys", {
      method: "POST",
      headers: { cookie, "content-type": "text/plain" },
      body: "name=x",
    });
    expect([400, 415, 422]).toContain(res.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });

  it("an oversized body gets 413 before it is parsed", async () => {
    const cookie = await signIn("alice");
    const body = JSON.stringify({ name: "x", pad: "y".repeat(200_000) });
    await expectError(
      await api("/api/keys", { method: "POST", headers: { cookie }, body }),
      413,
      "payload_too_large",
    );
  });

  it("better-auth's own errors use the same shape", async () => {
    const res = await api("/api/auth/sign-in/social", {
      method: "POST",
      body: JSON.stringify({ provider: "not-a-provider", callbackURL: "/" }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(typeof body.error.code).toBe("string");
    expect(typeof body.error.message).toBe("string");
  });
});

describe("OpenAPI document", () => {
  it("describes the routes from the same schemas that validate them", async () => {
    const res = await api("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
      components: { schemas: Record<string, { properties?: Record<string, { maxLength?: number }> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/me", "/api/keys", "/api/keys/{id}"]),
    );
    expect(doc.components.schemas.CreateApiKey?.properties?.name?.maxLength).toBe(64);
  });
});
