import { describe, expect, it } from "vitest";
import { api } from "./support/session.ts";

interface SchemaJson {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, SchemaJson>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  additionalProperties?: boolean;
  $ref?: string;
}

interface OperationJson {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: SchemaJson }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaJson }> };
  responses: Record<string, unknown>;
  security?: unknown[];
}

interface OpenApiJson {
  paths: Record<string, Record<string, OperationJson>>;
  components: { schemas: Record<string, SchemaJson> };
}

async function openapi(): Promise<OpenApiJson> {
  const res = await api("/api/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as OpenApiJson;
}

describe("the OpenAPI document covers the workspace and credential routes", () => {
  it("lists every route with its method", async () => {
    const { paths } = await openapi();
    const expected: Array<[string, string]> = [
      ["/api/workspaces", "post"],
      ["/api/workspaces", "get"],
      ["/api/workspaces/{id}", "get"],
      ["/api/workspaces/{id}", "delete"],
      ["/api/workspaces/{id}/stop", "post"],
      ["/api/workspaces/{id}/events", "get"],
      ["/api/workspaces/{id}/terminal-token", "post"],
      ["/api/credentials", "get"],
      ["/api/credentials/claude", "put"],
      ["/api/credentials/claude", "delete"],
    ];
    for (const [path, method] of expected) {
      const op = paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(op?.security, `${method.toUpperCase()} ${path} security`).toEqual(
        expect.arrayContaining([{ bearer: [] }]),
      );
    }
    for (const path of Object.keys(paths).filter(
      (p) => p.includes("{id}") && p.startsWith("/api/workspaces"),
    )) {
      for (const [method, op] of Object.entries(paths[path] ?? {})) {
        const id = op.parameters?.find((p) => p.name === "id");
        expect(id, `${method} ${path} documents its id`).toMatchObject({ in: "path", required: true });
        expect(id?.schema?.pattern).toBe("^[a-z0-9]{1,32}$");
        expect(Object.keys(op.responses), `${method} ${path}`).toContain("404");
      }
    }
  });

  it("documents the create body: repo_url required, idle_timeout_minutes 5..1440, no extra fields", async () => {
    const doc = await openapi();
    const create = doc.paths["/api/workspaces"]?.post;
    expect(create?.requestBody?.required).toBe(true);
    expect(create?.requestBody?.content["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/CreateWorkspace",
    );
    const schema = doc.components.schemas.CreateWorkspace;
    expect(schema?.required).toEqual(["repo_url"]);
    expect(schema?.additionalProperties).toBe(false);
    expect(schema?.properties?.idle_timeout_minutes).toMatchObject({ minimum: 5, maximum: 1440 });
    expect(schema?.properties?.repo_url).toMatchObject({ maxLength: 2048 });
    expect(schema?.properties?.name).toMatchObject({ maxLength: 64 });
    expect(schema?.properties?.snapshot_retention_days).toMatchObject({ minimum: 1, maximum: 365 });
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(
      [
        "branch",
        "idle_timeout_minutes",
        "location",
        "name",
        "repo_url",
        "server_type",
        "snapshot_retention_days",
      ].sort(),
    );
    expect(create?.parameters?.find((p) => p.name === "idempotency-key")).toMatchObject({ in: "header" });
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "201", "409", "422"]),
    );
  });

  it("documents the list query and the credential body", async () => {
    const doc = await openapi();
    const params = doc.paths["/api/workspaces"]?.get?.parameters ?? [];
    expect(params.find((p) => p.name === "limit")?.schema).toMatchObject({ minimum: 1, maximum: 100 });
    expect(params.map((p) => p.name)).toEqual(expect.arrayContaining(["limit", "cursor", "include_ended"]));
    const put = doc.paths["/api/credentials/claude"]?.put;
    expect(put?.requestBody?.content["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/SetClaudeKey",
    );
    expect(doc.components.schemas.SetClaudeKey?.required).toEqual(["api_key"]);
    expect(doc.components.schemas.SetClaudeKey?.properties?.api_key?.pattern).toContain("sk-ant-");
    expect(Object.keys(doc.paths["/api/workspaces/{id}/terminal-token"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "404", "409"]),
    );
  });
});
