// The dashboard's API types, generated with openapi-typescript from workers/openapi.json (the
// document the Worker serves). `pnpm gen:api` writes them; test/api-schema.test.ts fails when stale.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

export const openApiFile = path.join(import.meta.dirname, "../../workers/openapi.json");
export const schemaFile = path.join(import.meta.dirname, "../src/api/schema.d.ts");

export async function renderApiSchema(): Promise<string> {
  const doc = JSON.parse(readFileSync(openApiFile, "utf8"));
  const ast = await openapiTS(doc, { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(schemaFile, await renderApiSchema());
  console.log(`wrote ${path.relative(process.cwd(), schemaFile)}`);
}
