import { isRecord } from "../http-util.ts";
import type { MessagesRequest } from "./request.ts";

/**
 * A main conversation turn offers the model tools. Claude Code's side requests (the session
 * title, summaries, quota probes) send `tools: []` or none, usually with a JSON output format.
 */
export function isMainRequest(req: MessagesRequest): boolean {
  return req.tools.length > 0;
}

/** What a side request (it never consumes a step) gets when it asks for plain text. */
export const SIDE_TEXT = "OK";

/** The JSON schema a request asks its answer to follow (structured outputs), if any. */
function outputSchema(body: unknown): unknown {
  if (!isRecord(body)) return undefined;
  const format = isRecord(body.output_config) ? body.output_config.format : body.output_format;
  return isRecord(format) && format.type === "json_schema" ? format.schema : undefined;
}

/** A small value that satisfies `schema` (strings say "Scripted session"). */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return null;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  if ("const" in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const props = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFromSchema(v, depth + 1)]));
    }
    case "array":
      return [];
    case "string":
      return "Scripted session";
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return null;
  }
}

/** The canned text for a side request: JSON matching its output schema, else "OK". */
export function sideAnswer(body: unknown): string {
  const schema = outputSchema(body);
  return schema === undefined ? SIDE_TEXT : JSON.stringify(sampleFromSchema(schema));
}
