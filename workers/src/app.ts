import { errorCodes } from "@berth/protocol";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { Env } from "./env.ts";
import { requirePlainBodies } from "./http/body-encoding.ts";
import { errorBody, handleError } from "./http/errors.ts";
import { registerOpenApiDocument } from "./http/openapi-doc.ts";
import { validationHook } from "./http/validation.ts";
import { agentDownloadRoutes } from "./routes/agent-download.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { authRoutes } from "./routes/auth-passthrough.ts";
import { credentialRoutes } from "./routes/credentials.ts";
import { gitIdentityRoutes } from "./routes/git-identity.ts";
import { healthRoutes, requireHealthyConfig } from "./routes/health.ts";
import { meRoutes } from "./routes/me.ts";
import { notInvitedRoutes } from "./routes/not-invited.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { pushRoutes } from "./routes/push.ts";
import { repositoryRoutes } from "./routes/repositories.ts";
import { secretRoutes } from "./routes/secrets.ts";
import { serverTypeRoutes } from "./routes/server-types.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { vmCallbackRoutes } from "./routes/vm-callbacks.ts";
import { vmSnapshotRoutes } from "./routes/vm-snapshots.ts";
import { vmTaskCallbackRoutes } from "./routes/vm-task-callbacks.ts";
import { workspaceEnvironmentRoutes } from "./routes/workspace-environment.ts";
import { workspaceGithubRoutes } from "./routes/workspace-github.ts";
import { workspacePortRoutes } from "./routes/workspace-ports.ts";
import { workspacePromptRoutes } from "./routes/workspace-prompts.ts";
import { workspaceRoutes } from "./routes/workspaces.ts";
import { limitPerClientIp, limitPerWorkspace } from "./security/rate-limit.ts";
import { requireSameOriginForCookies } from "./security/same-origin.ts";

/** Largest JSON body any endpoint accepts; nothing Berth takes in comes close. */
export const maxBodyBytes = 64 * 1024;
/**
 * Task prompts and follow-ups (up to 100,000 characters, taskLimits.promptChars) and the agent's
 * event batches are larger: those routes alone take up to 1 MiB.
 */
export const maxTaskBodyBytes = 1024 * 1024;
const taskBodyPath =
  /^\/api\/(tasks(\/[^/]+\/messages)?|workspaces\/[^/]+\/prompts|vm\/workspaces\/[^/]+\/task\/(events|result))$/;
const snapshotPartPath = /^\/api\/vm\/workspaces\/[^/]+\/snapshots\/[^/]+\/parts\/[^/]+$/;

type Routes = OpenAPIHono<{ Bindings: Env }>;

export function createApp() {
  const app = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

  const jsonLimit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      c.json(errorBody(errorCodes.payloadTooLarge, `request body exceeds ${maxBodyBytes} bytes`), 413),
  });
  const taskLimit = bodyLimit({
    maxSize: maxTaskBodyBytes,
    onError: (c) =>
      c.json(errorBody(errorCodes.payloadTooLarge, `request body exceeds ${maxTaskBodyBytes} bytes`), 413),
  });
  // Snapshot parts are the one raw body: their route reads at most part_size (SNAPSHOT_PART_BYTES).
  app.use("/api/*", (c, next) => {
    if (c.req.method === "PUT" && snapshotPartPath.test(c.req.path)) return next();
    return c.req.method === "POST" && taskBodyPath.test(c.req.path) ? taskLimit(c, next) : jsonLimit(c, next);
  });

  app.use("/api/*", requirePlainBodies);

  // Mounted without their route-schema types: Berth has no typed RPC client, and the combined
  // type is too large for TypeScript to represent.
  const mount = (path: string, routes: { fetch: unknown }) => app.route(path, routes as unknown as Routes);
  app.use("/api/*", limitPerClientIp);
  app.use("/api/vm/workspaces/:id/*", limitPerWorkspace);
  app.use("/api/*", requireHealthyConfig);
  app.use("/api/*", requireSameOriginForCookies);
  mount("/api/health", healthRoutes);
  mount("/api/auth", authRoutes);
  mount("/api/not-invited", notInvitedRoutes);
  mount("/api/me/git-identity", gitIdentityRoutes);
  mount("/api/me/notifications", notificationRoutes);
  mount("/api/push", pushRoutes);
  mount("/api/me", meRoutes);
  mount("/api/keys", apiKeyRoutes);
  mount("/api/credentials", credentialRoutes);
  mount("/api/secrets", secretRoutes);
  mount("/api/workspaces", workspaceRoutes);
  mount("/api/workspaces", workspacePortRoutes);
  mount("/api/workspaces", workspaceEnvironmentRoutes);
  mount("/api/workspaces", workspaceGithubRoutes);
  mount("/api/workspaces", workspacePromptRoutes);
  mount("/api/tasks", taskRoutes);
  mount("/api/repositories", repositoryRoutes);
  mount("/api/server-types", serverTypeRoutes);
  mount("/api/vm/workspaces", vmCallbackRoutes);
  mount("/api/vm/workspaces", vmSnapshotRoutes);
  mount("/api/vm/workspaces", vmTaskCallbackRoutes);
  app.route("/agent", agentDownloadRoutes);

  registerOpenApiDocument(app);

  app.notFound((c) =>
    c.json(errorBody(errorCodes.notFound, `no route for ${c.req.method} ${c.req.path}`), 404),
  );
  app.onError(handleError);
  return app;
}
