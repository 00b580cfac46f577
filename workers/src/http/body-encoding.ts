import { errorCodes } from "@berth/protocol";
import type { MiddlewareHandler } from "hono";
import { errorBody } from "./errors.ts";

/**
 * Request bodies are JSON in UTF-8, unencoded. A body declared as compressed or in another charset
 * would be read as something it is not, so it is refused (415) rather than guessed at.
 */
export const requirePlainBodies: MiddlewareHandler = async (c, next) => {
  const encoding = c.req.header("content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return c.json(
      errorBody(errorCodes.unsupportedMediaType, `content-encoding ${encoding} is not accepted`),
      415,
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(c.req.header("content-type") ?? "")?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    return c.json(
      errorBody(errorCodes.unsupportedMediaType, `charset ${charset} is not accepted; send UTF-8`),
      415,
    );
  }
  await next();
};
