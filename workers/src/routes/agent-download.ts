import { errorCodes } from "@berth/protocol";
import { Hono } from "hono";
import { agentFileNames } from "../agent-binaries.ts";
import type { Env } from "../env.ts";
import { errorBody } from "../http/errors.ts";

/**
 * The agent downloads (xz archives) VMs fetch at boot (cloud-init verifies their SHA-256). Public: the binary
 * holds no secret, and a VM has no credentials before it redeems its bootstrap token.
 */
export const agentDownloadRoutes = new Hono<{ Bindings: Env }>().get("/:file", async (c) => {
  const file = c.req.param("file");
  const missing = () => c.json(errorBody(errorCodes.notFound, `no agent binary named ${file}`), 404);
  if (!agentFileNames.includes(file) && !agentFileNames.some((f) => file === `${f}.sha256`)) return missing();
  const object = await c.env.AGENTS?.get(file);
  if (!object) return missing();
  return new Response(object.body, {
    headers: {
      "content-type": file.endsWith(".sha256") ? "text/plain; charset=utf-8" : "application/x-xz",
      "content-length": String(object.size),
      etag: object.httpEtag,
      "cache-control": "public, max-age=300",
    },
  });
});
