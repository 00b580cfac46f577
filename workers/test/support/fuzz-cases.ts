import { conforms, queryConforms, type seededRandom } from "./conforms.ts";
import {
  jsonBodySchema,
  type OpenApiDoc,
  type Operation,
  paramsIn,
  resolve,
  type SchemaJson,
  typesOf,
} from "./openapi.ts";

/** Largest body the API takes (workers/src/app.ts); the fuzz goes just under and over it. */
export const maxBodyBytes = 64 * 1024;
/** Task prompts, follow-ups and the agent's task callbacks take up to 1 MiB (app.ts maxTaskBodyBytes). */
const taskBodyPath =
  /^\/api\/(tasks\/?(\{id\}\/messages)?|workspaces\/\{id\}\/prompts|vm\/workspaces\/\{id\}\/task\/(events|result))$/;
export const bodyLimitOf = (op: Operation) => (taskBodyPath.test(op.path) ? 1024 * 1024 : maxBodyBytes);

/** One generated request. `reject`: it breaks the document's contract, so it must get a 4xx. */
export interface FuzzCase {
  op: Operation;
  what: string;
  params: Record<string, string>;
  /** Path parameters go into the URL as they are, not URL-encoded. */
  rawPath?: boolean;
  query?: string;
  headers: Record<string, string>;
  /** The raw body, exactly as sent. */
  body?: string;
  reject: boolean;
  /** The one status it must get, when the contract says which. */
  status?: number;
}

/** A request the owner may send, that the fuzz mutates one part of at a time. */
export interface BaseRequest {
  params: Record<string, string>;
  body?: unknown;
}

export const oddStrings = [
  "\u0000",
  "nul\u0000in the middle",
  "\u0007\u0008\u001b[31mred",
  "line\r\nbreak",
  "\u202eevil\u202c",
  "\ufeffbom",
  "\u2028\u2029",
  "e\u0301\u0301\u0301",
  "😀👩‍👩‍👧",
  "\ud800",
  "漢字かな",
  " ",
  "../../etc/passwd",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "%00%2e%2e",
  "$(id)`id`",
  "null",
];

export const badIds = [
  " ",
  "..",
  "UPPERCASE",
  "a".repeat(33),
  "x".repeat(2000),
  "w'; drop table workspaces; --",
  "\u0000",
  "😀",
  "a/b",
  "-1",
  "0",
  "null",
  "%",
  "wzzzzzzzzzzz",
  "__proto__",
];

/** Path segments sent as they are, not URL-encoded: broken percent-escapes and the like. */
export const rawIds = ["%E0%A4%A", "%", "%00", "%2F..%2F", "%C0%AE", "a%20b"];

const badQueryValues = [
  "",
  "-1",
  "0",
  "101",
  "1e3",
  "abc",
  "NaN",
  "Infinity",
  "1.5",
  "true",
  "x".repeat(5000),
];

const badJson = [
  "{",
  '{"a":',
  "nul",
  "[1,2",
  '{"x":1}}',
  "'single'",
  "\u0000",
  "",
  "{}garbage",
  "[".repeat(5000),
];

const wrongTopLevel = ["null", "[]", '"text"', "123", "true", `${"[".repeat(2000)}${"]".repeat(2000)}`];

const wrongContentTypes = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
];

/** Values of every JSON type, for a property that takes only some of them. */
const valuesOfEveryType: unknown[] = [
  123,
  -1,
  1.5,
  1e300,
  true,
  false,
  "text",
  {},
  [],
  null,
  [1, "a"],
  { a: 1 },
];

type Json = Record<string, unknown>;

function setAt(body: Json, path: string[], value: unknown): Json {
  const copy = structuredClone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  const last = path.at(-1) ?? "";
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every property of the body schema (nested objects too), with its path. */
function propertiesOf(
  doc: OpenApiDoc,
  raw: SchemaJson,
  prefix: string[] = [],
): Array<[string[], SchemaJson]> {
  const schema = resolve(doc, raw);
  return Object.entries(schema.properties ?? {}).flatMap(([name, prop]) => {
    const path = [...prefix, name];
    const resolved = resolve(doc, prop);
    const nested = typesOf(resolved).includes("object") ? propertiesOf(doc, resolved, path) : [];
    return [[path, resolved] as [string[], SchemaJson], ...nested];
  });
}

function objectAt(body: Json, path: string[]): boolean {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) {
    node = (node as Json | undefined)?.[key];
    if (typeof node !== "object" || node === null) return false;
  }
  return true;
}

/** Bad values for one property: other types, strings too long, odd characters, out of range. */
function valuesFor(schema: SchemaJson): unknown[] {
  const types = typesOf(schema);
  const values = [...valuesOfEveryType];
  if (types.includes("string")) {
    values.push(...oddStrings, "a".repeat(60_000));
    if (schema.maxLength !== undefined) values.push("a".repeat(schema.maxLength + 1));
  }
  if (types.includes("integer") || types.includes("number")) {
    if (schema.minimum !== undefined) values.push(schema.minimum - 1);
    if (schema.maximum !== undefined) values.push(schema.maximum + 1);
  }
  return values;
}

function bodyCases(doc: OpenApiDoc, op: Operation, base: BaseRequest, schema: SchemaJson): FuzzCase[] {
  const json = { "content-type": "application/json" };
  const valid = JSON.stringify(base.body ?? {});
  const at = (
    what: string,
    body: string,
    reject: boolean,
    headers: Record<string, string> = json,
    status?: number,
  ): FuzzCase => ({
    op,
    what,
    params: base.params,
    headers,
    body,
    reject,
    ...(status ? { status } : {}),
  });
  const cases = [
    ...badJson.map((b) => at(`bad JSON ${JSON.stringify(b.slice(0, 12))}`, b, true)),
    ...wrongTopLevel.map((b) => at(`top-level ${b.slice(0, 12)}`, b, !conforms(doc, schema, JSON.parse(b)))),
    ...wrongContentTypes.map((t) => at(`content-type ${t}`, valid, true, { "content-type": t })),
    at("no content-type", valid, true, {}),
    at("gzip-encoded (but not)", valid, true, { ...json, "content-encoding": "gzip" }),
    at("JSON in UTF-16", valid, true, { "content-type": "application/json; charset=utf-16" }),
    at("body over its limit", JSON.stringify({ pad: "a".repeat(bodyLimitOf(op) + 10) }), true, json, 413),
    at(
      "extra property",
      JSON.stringify({ ...(base.body as Json), zz_extra: 1 }),
      schema.additionalProperties === false,
    ),
  ];
  const body = (base.body ?? {}) as Json;
  for (const name of schema.required ?? []) {
    cases.push(at(`missing ${name}`, JSON.stringify(setAt(body, [name], undefined)), true));
  }
  for (const [path, prop] of propertiesOf(doc, schema)) {
    if (!objectAt(body, path)) continue;
    for (const value of valuesFor(prop)) {
      const mutated = setAt(body, path, value);
      const text = JSON.stringify(mutated);
      const label = `${path.join(".")} = ${JSON.stringify(value)?.slice(0, 24)}`;
      cases.push(at(label, text, !conforms(doc, schema, mutated)));
    }
  }
  return cases;
}

function paramCases(doc: OpenApiDoc, op: Operation, base: BaseRequest): FuzzCase[] {
  const schema = jsonBodySchema(doc, op);
  const body = schema ? JSON.stringify(base.body ?? {}) : undefined;
  const headers: Record<string, string> = body ? { "content-type": "application/json" } : {};
  const cases: FuzzCase[] = [];
  for (const p of paramsIn(op, "path")) {
    // A value the parameter's documented pattern allows is not bad input (a secret may well be
    // named UPPERCASE); only ids without a pattern take every bad id.
    const pattern = p.schema?.pattern ? new RegExp(p.schema.pattern) : null;
    for (const id of badIds.filter((candidate) => !pattern?.test(candidate))) {
      const params = { ...base.params, [p.name]: id };
      cases.push({
        op,
        what: `path ${p.name} = ${JSON.stringify(id.slice(0, 16))}`,
        params,
        headers,
        body,
        reject: true,
      });
    }
  }
  for (const p of paramsIn(op, "query")) {
    for (const value of [...badQueryValues, ...oddStrings]) {
      const query = new URLSearchParams({ [p.name]: value }).toString();
      const reject = !queryConforms(p.schema ?? {}, value);
      cases.push({
        op,
        what: `query ${query.slice(0, 30)}`,
        params: base.params,
        query,
        headers,
        body,
        reject,
      });
    }
  }
  for (const p of paramsIn(op, "header")) {
    // fetch refuses control characters in header values; everything else a client can send is tried.
    for (const value of ["", "a b", "x".repeat(129), "é", "<>", "a".repeat(4000)]) {
      const reject = !conforms(doc, p.schema ?? {}, value);
      cases.push({
        op,
        what: `header ${p.name} = ${JSON.stringify(value.slice(0, 12))}`,
        params: base.params,
        headers: { ...headers, [p.name]: value },
        body,
        reject,
      });
    }
  }
  return cases;
}

/** The systematic cases: each part of each operation's input, broken one way at a time. */
export function fuzzCases(doc: OpenApiDoc, op: Operation, base: BaseRequest): FuzzCase[] {
  const schema = jsonBodySchema(doc, op);
  return [...(schema ? bodyCases(doc, op, base, schema) : []), ...paramCases(doc, op, base)];
}

/** Extra cases drawn at random (from a fixed seed): two properties broken at once. */
export function randomCases(
  doc: OpenApiDoc,
  random: ReturnType<typeof seededRandom>,
  targets: Array<{ op: Operation; base: BaseRequest }>,
  count: number,
): FuzzCase[] {
  const withBody = targets.filter((t) => jsonBodySchema(doc, t.op));
  const cases: FuzzCase[] = [];
  while (cases.length < count && withBody.length > 0) {
    const { op, base } = random.pick(withBody);
    const schema = jsonBodySchema(doc, op) as SchemaJson;
    const props = propertiesOf(doc, schema).filter(([path]) => objectAt((base.body ?? {}) as Json, path));
    if (props.length === 0) continue;
    let body = (base.body ?? {}) as Json;
    const labels: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [path, prop] = random.pick(props);
      if (!objectAt(body, path)) continue;
      const value = random.pick(valuesFor(prop));
      body = setAt(body, path, value);
      labels.push(`${path.join(".")} = ${JSON.stringify(value)?.slice(0, 16)}`);
    }
    cases.push({
      op,
      what: `random: ${labels.join(", ")}`,
      params: base.params,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      reject: !conforms(doc, schema, body),
    });
  }
  return cases;
}
