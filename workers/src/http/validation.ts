import { errorCodes } from "@berth/protocol";
import type { Hook } from "@hono/zod-openapi";
import { errorBody } from "./errors.ts";

/** Turns a failed schema check into a 422 with one entry per offending field. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every shape
export const validationHook: Hook<any, any, any, any> = (result, c) => {
  if (result.success) return;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : "invalid request";
  return c.json(errorBody(errorCodes.validation, message, details), 422);
};
