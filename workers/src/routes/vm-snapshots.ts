import {
  snapshotCompleteRequestSchema,
  snapshotCreatedSchema,
  snapshotCreateRequestSchema,
  snapshotManifestSchema,
  snapshotPartSchema,
  snapshotTooLargeSchema,
} from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse, vmCallbackSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { readPart, snapshotManifest } from "../snapshots/restore.ts";
import {
  completeSnapshot,
  createSnapshot,
  putPart,
  readCapped,
  refuseTooLarge,
} from "../snapshots/upload.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { reconcileWorkspace } from "../workspaces/reconcile.ts";
import { pruneCheckpoints } from "../workspaces/sleep.ts";
import { loadWorkspace } from "../workspaces/store.ts";
import { callbackAuth, type VmEnv } from "./vm-callbacks.ts";

/**
 * Snapshot upload and restore (protocol/src/snapshots.ts), authenticated by the workspace's callback
 * token: a VM reaches only its own workspace's snapshots. Parts travel as raw bytes, plain on the
 * wire (TLS) and encrypted by the Worker before they reach R2.
 */
const tags = ["vm callbacks"];
const ids = {
  id: z.string().regex(/^[a-z0-9]{1,32}$/, "not a workspace id"),
  sid: z.string().regex(/^[a-z0-9]{1,40}$/, "not a snapshot id"),
};
const partParams = z.object({ ...ids, n: z.string().regex(/^\d{1,4}$/, "not a part number (0-9999)") });
const binary = z.string().openapi({ type: "string", format: "binary" });
const conflict = {
  description: "Not possible in this state, or parts missing",
  content: errorResponses[404].content,
};
const common = { tags, security: vmCallbackSecurity, middleware: [callbackAuth] };

const create = createRoute({
  ...common,
  operationId: "vmCreateSnapshot",
  method: "post",
  path: "/{id}/snapshots",
  summary: "Start a snapshot upload (sleep, or a checkpoint while ready)",
  request: { params: z.object({ id: ids.id }), body: jsonBody(snapshotCreateRequestSchema) },
  responses: {
    201: jsonResponse(snapshotCreatedSchema, "Upload its parts, then complete it"),
    401: errorResponses[401],
    409: conflict,
    422: errorResponses[422],
  },
});

const putPartRoute = createRoute({
  ...common,
  operationId: "vmPutSnapshotPart",
  method: "put",
  path: "/{id}/snapshots/{sid}/parts/{n}",
  summary: "Store one part (raw bytes, at most part_size); sending a part again replaces it",
  request: {
    params: partParams,
    body: { required: false, content: { "application/octet-stream": { schema: binary } } },
  },
  responses: {
    200: jsonResponse(snapshotPartSchema, "Stored: its size and SHA-256 as the control plane computed them"),
    401: errorResponses[401],
    404: errorResponses[404],
    409: conflict,
    413: { description: "Larger than part_size", content: errorResponses[422].content },
    422: { description: "The snapshot passed SNAPSHOT_MAX_BYTES", content: errorResponses[422].content },
  },
});

const complete = createRoute({
  ...common,
  operationId: "vmCompleteSnapshot",
  method: "post",
  path: "/{id}/snapshots/{sid}/complete",
  summary:
    "Verify the stored parts (sizes, hashes, the whole archive's SHA-256) and mark the snapshot usable; or report it over the cap",
  request: {
    params: z.object(ids),
    body: jsonBody(z.union([snapshotCompleteRequestSchema, snapshotTooLargeSchema])),
  },
  responses: {
    200: jsonResponse(snapshotManifestSchema, "Verified"),
    401: errorResponses[401],
    404: errorResponses[404],
    409: conflict,
    422: {
      description:
        "snapshot_too_large (the message names the biggest folders) or snapshot_corrupt: the upload is void",
      content: errorResponses[422].content,
    },
  },
});

const manifest = createRoute({
  ...common,
  operationId: "vmGetSnapshot",
  method: "get",
  path: "/{id}/snapshots/{sid}",
  summary: "The manifest of a verified snapshot of this workspace",
  request: { params: z.object(ids) },
  responses: {
    200: jsonResponse(snapshotManifestSchema, "Its parts, sizes and hashes"),
    401: errorResponses[401],
    404: errorResponses[404],
  },
});

const getPart = createRoute({
  ...common,
  operationId: "vmGetSnapshotPart",
  method: "get",
  path: "/{id}/snapshots/{sid}/parts/{n}",
  summary: "One part, decrypted (a corrupted part ends the wake: the workspace goes back to asleep)",
  request: { params: partParams },
  responses: {
    200: {
      description: "The part's plain bytes",
      content: { "application/octet-stream": { schema: binary } },
    },
    401: errorResponses[401],
    404: errorResponses[404],
    422: {
      description: "snapshot_corrupt: the wake failed, the snapshot is kept",
      content: errorResponses[422].content,
    },
  },
});

export const vmSnapshotRoutes = new OpenAPIHono<VmEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const deps = lifecycleDeps(c.env);
    return c.json(await createSnapshot(deps, c.get("workspace"), c.req.valid("json").kind), 201);
  })
  .openapi(putPartRoute, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { sid, n } = c.req.valid("param");
    const length = Number(c.req.header("content-length"));
    const declared = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    const plain = await readCapped(c.req.raw.body, deps.settings.snapshots.partBytes, declared);
    return c.json(await putPart(deps, c.get("workspace"), sid, Number(n), plain), 200);
  })
  .openapi(complete, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = c.get("workspace");
    const { sid } = c.req.valid("param");
    const body = c.req.valid("json");
    if ("biggest" in body) return refuseTooLarge(deps, ws, sid, body);
    const verified = await completeSnapshot(deps, ws, sid, body);
    if (verified.kind === "checkpoint")
      c.executionCtx.waitUntil(
        // A prune that fails leaves extra checkpoints until the next one; the sweep never loses data.
        pruneCheckpoints(deps, ws).then(
          () => undefined,
          (err: unknown) => console.error("checkpoint prune failed", ws.id, String(err)),
        ),
      );
    return c.json(verified, 200);
  })
  .openapi(manifest, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { sid } = c.req.valid("param");
    return c.json(await snapshotManifest(deps, c.get("workspace"), sid), 200);
  })
  .openapi(getPart, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { sid, n } = c.req.valid("param");
    const ws = c.get("workspace");
    const part = await readPart(deps, ws, sid, Number(n)).catch(async (err: unknown) => {
      // A corrupted part ended the wake: remove the new VM now rather than at the next sweep.
      const after = await loadWorkspace(deps.db, ws.id);
      if (after?.state === "asleep")
        c.executionCtx.waitUntil(reconcileWorkspace(deps, after).then(() => undefined));
      throw err;
    });
    return c.body(part.bytes, 200, {
      "content-type": "application/octet-stream",
      "x-berth-part-sha256": part.sha256,
    });
  });
