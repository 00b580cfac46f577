import { expect } from "vitest";
import { api } from "./session.ts";

/** The parts of JSON Schema (as @hono/zod-openapi writes it) the generated tests read. */
export interface SchemaJson {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaJson>;
  required?: string[];
  additionalProperties?: boolean | SchemaJson;
  items?: SchemaJson;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  example?: unknown;
  anyOf?: SchemaJson[];
  oneOf?: SchemaJson[];
}

export interface ParameterJson {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: SchemaJson;
}

export interface OperationJson {
  operationId: string;
  summary?: string;
  parameters?: ParameterJson[];
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaJson }> };
  responses: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDoc {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, OperationJson>>;
  components: { schemas: Record<string, SchemaJson>; securitySchemes: Record<string, unknown> };
}

export interface Operation extends OperationJson {
  method: string;
  path: string;
}

const methods = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

export async function fetchOpenApi(): Promise<OpenApiDoc> {
  const res = await api("/api/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as OpenApiDoc;
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.has(method))
      .map(([method, op]) => ({ ...op, method, path })),
  );
}

/** Who may call an operation, as its `security` says. */
export type AuthKind = "public" | "user" | "vmCallback" | "vmBootstrap";

export function authKindOf(op: Operation): AuthKind {
  const requirements = op.security ?? [];
  const names = requirements.flatMap((r) => Object.keys(r));
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return "public";
  if (names.includes("vmBootstrap")) return "vmBootstrap";
  if (names.includes("vmCallback")) return "vmCallback";
  return "user";
}

export function resolve(doc: OpenApiDoc, schema: SchemaJson): SchemaJson {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(doc, target);
}

export function jsonBodySchema(doc: OpenApiDoc, op: Operation): SchemaJson | undefined {
  const schema = op.requestBody?.content["application/json"]?.schema;
  return schema ? resolve(doc, schema) : undefined;
}

export function paramsIn(op: Operation, where: ParameterJson["in"]): ParameterJson[] {
  return (op.parameters ?? []).filter((p) => p.in === where);
}

/** The operation's path with its `{name}` parameters filled in (URL-encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
}

/** The types a schema allows ("null" included when nullable). */
export function typesOf(schema: SchemaJson): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum) return [...new Set(schema.enum.map((v) => (v === null ? "null" : typeof v)))];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.flatMap(typesOf);
  return [];
}

/** A value the schema accepts, from its example, default or enum, else the smallest of its type. */
export function exampleOf(doc: OpenApiDoc, raw: SchemaJson): unknown {
  const schema = resolve(doc, raw);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const type = typesOf(schema).find((t) => t !== "null") ?? "null";
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) {
        const prop = schema.properties?.[name];
        if (prop) out[name] = exampleOf(doc, prop);
      }
      return out;
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return schema.minimum ?? 0;
    case "boolean":
      return false;
    case "string":
      return schema.format === "date-time" ? new Date(0).toISOString() : "x".repeat(schema.minLength ?? 1);
    default:
      return null;
  }
}
