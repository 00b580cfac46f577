// Writes workers/openapi.json: the document GET /api/openapi.json serves, built in Node without a
// network (only the public URL is filled in, from the tests' settings). test/openapi-file.test.ts
// fails when the checked-in file no longer matches what the Worker serves.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createApp } from "../src/app.ts";
import { openApiPath } from "../src/http/openapi-doc.ts";
import { testPublicUrl } from "../test/support/test-env.ts";

const out = path.join(import.meta.dirname, "..", "openapi.json");
const res = await createApp().request(openApiPath, {}, { BERTH_PUBLIC_URL: testPublicUrl });
if (res.status !== 200) throw new Error(`${openApiPath}: HTTP ${res.status}`);
writeFileSync(out, `${JSON.stringify(await res.json(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
