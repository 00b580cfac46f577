/** Small response helpers so every endpoint answers with the shared Berth error shape. */
import { type ErrorBody, type ErrorCode, errorCodes } from "@berth/protocol/agent";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

export function errorResponse(status: number, code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return json(body, status);
}

export const unauthorized = (message: string) => errorResponse(401, errorCodes.unauthorized, message);
export const forbidden = (message: string) => errorResponse(403, errorCodes.forbidden, message);
export const notFound = (message = "not found") => errorResponse(404, errorCodes.notFound, message);
export const badRequest = (message: string) => errorResponse(400, errorCodes.badRequest, message);
