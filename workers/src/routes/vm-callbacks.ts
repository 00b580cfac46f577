import {
  bootstrapResponseSchema,
  errorCodes,
  gitCredentialsResponseSchema,
  heartbeatRequestSchema,
  progressRequestSchema,
  readyRequestSchema,
  secretsResponseSchema,
  shutdownRequestSchema,
  workspaceStates,
} from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Workspace } from "../db/schema/index.ts";
import type { Env } from "../env.ts";
import { secretsForAgent } from "../environment/restart.ts";
import { gitCredentials } from "../github/access.ts";
import { ApiError } from "../http/errors.ts";
import {
  errorResponses,
  jsonBody,
  jsonResponse,
  vmBootstrapSecurity,
  vmCallbackSecurity,
} from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { SecretBox } from "../security/secret-box.ts";
import {
  authenticateCallback,
  markReady,
  recordHeartbeat,
  recordProgress,
  redeemBootstrap,
  requestShutdown,
} from "../workspaces/callbacks.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { reconcileWorkspace } from "../workspaces/reconcile.ts";
import { isTerminal } from "../workspaces/state-machine.ts";
import { idParam } from "./workspace-schemas.ts";

/** VM -> control plane. Authenticated by the bootstrap token (once) or the callback token. */
export type VmEnv = { Bindings: Env; Variables: { workspace: Workspace } };
const tags = ["vm callbacks"];
const stateSchema = z.object({ state: z.enum(workspaceStates) });

export function bearer(c: Context): string {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) throw new ApiError(401, errorCodes.unauthorized, "missing bearer token");
  return match[1];
}

/** Runs before input validation: a caller without this workspace's token learns nothing more. */
export const callbackAuth = createMiddleware<VmEnv>(async (c, next) => {
  const id = c.req.param("id") ?? "";
  c.set("workspace", await authenticateCallback(lifecycleDeps(c.env), id, bearer(c)));
  await next();
});

const route = <B extends z.ZodType>(
  operationId: string,
  name: string,
  summary: string,
  body: B,
  ok: z.ZodType,
  status: 200 | 202 = 200,
) =>
  createRoute({
    method: "post",
    path: `/{id}/${name}`,
    operationId,
    tags,
    security: vmCallbackSecurity,
    summary,
    middleware: [callbackAuth],
    request: { params: idParam, body: jsonBody(body) },
    responses: {
      [status]: jsonResponse(ok, "Accepted"),
      401: errorResponses[401],
      422: errorResponses[422],
    },
  });

const bootstrap = createRoute({
  operationId: "vmBootstrap",
  method: "post",
  path: "/{id}/bootstrap",
  tags,
  security: vmBootstrapSecurity,
  summary: "Redeem the one-time bootstrap token (from cloud-init) for the callback token and secrets",
  request: { params: idParam },
  responses: {
    200: jsonResponse(bootstrapResponseSchema, "Secrets for this VM only"),
    401: errorResponses[401],
    409: { description: "Already redeemed", content: errorResponses[401].content },
    422: errorResponses[422],
  },
});

const secretsRoute = createRoute({
  operationId: "vmSecrets",
  method: "get",
  path: "/{id}/secrets",
  tags,
  security: vmCallbackSecurity,
  summary: "The owner's current secrets for this workspace's repository (after a restart of its environment)",
  middleware: [callbackAuth],
  request: { params: idParam },
  responses: {
    200: jsonResponse(secretsResponseSchema, "Secrets for this VM only"),
    401: errorResponses[401],
    409: { description: "The workspace is stopping or gone", content: errorResponses[401].content },
  },
});

const credentials = createRoute({
  operationId: "vmGitCredentials",
  method: "post",
  path: "/{id}/git-credentials",
  tags,
  security: vmCallbackSecurity,
  summary: "A fresh GitHub installation token for this workspace's repository (git credential helper)",
  description:
    "Scoped to the workspace's one repository with contents and pull requests write, valid for at most an hour. Never stored by the control plane; the agent asks again when it expires.",
  middleware: [callbackAuth],
  request: { params: idParam },
  responses: {
    200: jsonResponse(gitCredentialsResponseSchema, "Credentials for git (username x-access-token)"),
    401: errorResponses[401],
    403: {
      description: "github_installation_revoked: the App lost access to the repository",
      content: errorResponses[401].content,
    },
    409: {
      description:
        "The workspace is stopping or over, or its repository is not reached through the GitHub App",
      content: errorResponses[401].content,
    },
    502: { description: "GitHub failed", content: errorResponses[401].content },
    503: {
      description: "The App's settings are wrong, or GitHub's rate limit is reached",
      content: errorResponses[401].content,
    },
  },
});

export const vmCallbackRoutes = new OpenAPIHono<VmEnv>({ defaultHook: validationHook })
  .openapi(bootstrap, async (c) => {
    const deps = lifecycleDeps(c.env);
    const secrets = await redeemBootstrap(
      deps,
      new SecretBox(c.env.ENCRYPTION_KEY),
      c.req.valid("param").id,
      bearer(c),
    );
    return c.json(secrets, 200);
  })
  .openapi(
    route(
      "vmProgress",
      "progress",
      "Report a boot step",
      progressRequestSchema,
      z.object({ stored: z.boolean() }),
    ),
    async (c) => {
      const deps = lifecycleDeps(c.env);
      const ws = c.get("workspace");
      const { step, message, at } = c.req.valid("json");
      return c.json(await recordProgress(deps, ws, step, message, at), 200);
    },
  )
  .openapi(route("vmReady", "ready", "The terminal answers", readyRequestSchema, stateSchema), async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = c.get("workspace");
    const ready = await markReady(deps, ws, c.req.valid("json").runtime);
    return c.json({ state: ready.state }, 200);
  })
  .openapi(
    route(
      "vmHeartbeat",
      "heartbeat",
      "Activity, idle status and listening ports; answers with the ports made public",
      heartbeatRequestSchema,
      stateSchema.extend({
        public_ports: z.array(z.number().int()),
        secrets_generation: z.number().int().openapi({
          description: "Fetch the secrets again (GET …/secrets) when this differs from what you applied",
        }),
      }),
    ),
    async (c) => {
      const deps = lifecycleDeps(c.env);
      const ws = c.get("workspace");
      const later = (work: Promise<void>) => c.executionCtx.waitUntil(work);
      return c.json(await recordHeartbeat(deps, ws, c.req.valid("json"), later), 200);
    },
  )
  .openapi(secretsRoute, async (c) => {
    const deps = lifecycleDeps(c.env);
    const box = new SecretBox(c.env.ENCRYPTION_KEY);
    return c.json(await secretsForAgent(deps, box, c.get("workspace")), 200);
  })
  .openapi(
    route("vmShutdown", "shutdown", "The VM asks to be destroyed", shutdownRequestSchema, stateSchema, 202),
    async (c) => {
      const deps = lifecycleDeps(c.env);
      const ws = c.get("workspace");
      const stopping = await requestShutdown(deps, ws, c.req.valid("json"));
      c.executionCtx.waitUntil(reconcileWorkspace(deps, stopping).then(() => undefined));
      return c.json({ state: stopping.state }, 202);
    },
  )
  .openapi(credentials, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = c.get("workspace");
    if (isTerminal(ws.state) || ws.state === "stopping") {
      throw new ApiError(409, errorCodes.conflict, `the workspace is ${ws.state}: no more credentials`);
    }
    c.header("cache-control", "no-store");
    return c.json(await gitCredentials(deps, ws), 200);
  });
