import { type OpenApiDoc, resolve, type SchemaJson, typesOf } from "./openapi.ts";

/** mulberry32: a tiny seeded PRNG, so every run sends the same requests. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from an empty list");
      return item;
    },
  };
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function stringConforms(schema: SchemaJson, value: string): boolean {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) return false;
  if (schema.maxLength !== undefined && length > schema.maxLength) return false;
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) return false;
  if (schema.format === "date-time" && !isoDateTime.test(value)) return false;
  return true;
}

function objectConforms(doc: OpenApiDoc, schema: SchemaJson, value: Record<string, unknown>): boolean {
  for (const name of schema.required ?? []) if (!(name in value)) return false;
  for (const [name, item] of Object.entries(value)) {
    const prop = schema.properties?.[name];
    if (prop) {
      if (!conforms(doc, prop, item)) return false;
    } else if (schema.additionalProperties === false) {
      return false;
    }
  }
  return true;
}

/**
 * Whether a value satisfies the document's schema (the subset @hono/zod-openapi writes). A request
 * that does not is one the API must refuse; one that does may still be refused (zod refinements).
 */
export function conforms(doc: OpenApiDoc, raw: SchemaJson, value: unknown): boolean {
  const schema = resolve(doc, raw);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.some((s) => conforms(doc, s, value));
  if (schema.const !== undefined && value !== schema.const) return false;
  if (schema.enum && !schema.enum.includes(value)) return false;
  const types = typesOf(schema);
  if (types.length > 0 && !types.some((t) => typeMatches(t, value))) return false;
  if (typeof value === "string") return stringConforms(schema, value);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return false;
    if (schema.maximum !== undefined && value > schema.maximum) return false;
  }
  if (Array.isArray(value)) return value.every((item) => !schema.items || conforms(doc, schema.items, item));
  if (typeof value === "object" && value !== null) {
    return objectConforms(doc, schema, value as Record<string, unknown>);
  }
  return true;
}

/** A query-string value against its parameter's schema (integers arrive as text). */
export function queryConforms(schema: SchemaJson, value: string): boolean {
  const types = typesOf(schema);
  if (schema.enum) return schema.enum.includes(value);
  if (types.includes("integer") || types.includes("number")) {
    if (!/^\d+$/.test(value)) return false;
    const n = Number(value);
    return (schema.minimum ?? -Infinity) <= n && n <= (schema.maximum ?? Infinity);
  }
  return stringConforms(schema, value);
}
