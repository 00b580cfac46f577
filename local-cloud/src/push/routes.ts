import type { webcrypto } from "node:crypto";

type JsonWebKey = webcrypto.JsonWebKey;

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isRecord, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import type { ServiceDef } from "../service.ts";
import {
  b64u,
  DecryptError,
  decryptPushMessage,
  fromB64u,
  generateReceiverKeys,
  receiverKeysFrom,
} from "./ece.ts";
import type { PushState } from "./state.ts";
import { verifyVapid } from "./vapid.ts";

/**
 * A browser vendor's push service (RFC 8030), as the Worker meets it: POST /push/v1/<subscription>
 * with an aes128gcm body and VAPID. Answers like real services: 201 + Location; 400 (no TTL, bad
 * Urgency, other encodings), 401/403 (VAPID), 404 (unknown), 410 (unsubscribed), 413 (> 4096 bytes).
 *
 * Controls under /__berth/ (a browser's side of the subscription):
 *   POST   subscriptions       {application_server_key?, private_key_jwk?, auth?} -> 201
 *                              {id, endpoint, keys: {p256dh, auth}} (the PushSubscription JSON)
 *   DELETE subscriptions/<id>  unsubscribe: later pushes get 410
 *   GET    messages            accepted messages with their decrypted payloads
 */
export const pushPathPrefix = "/push/v1/";
export const maxPushBytes = 4096;

const urgencies = new Set(["very-low", "low", "normal", "high"]);

function problem(res: ServerResponse, status: number, message: string): number {
  // Mozilla autopush's error shape.
  const body = JSON.stringify({ code: status, errno: status === 413 ? 104 : 109, error: message, message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
  return status;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxPushBytes) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > maxPushBytes ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function acceptPush(
  state: PushState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  discard: boolean,
) {
  const subscription = state.subscriptions.get(url.pathname.slice(pushPathPrefix.length));
  const body = await readBody(req);
  if (req.method !== "POST") return problem(res, 405, "push messages are POSTed");
  if (!subscription) return problem(res, 404, "no such subscription");
  if (subscription.gone) return problem(res, 410, "the subscription expired or was unsubscribed");
  const ttl = req.headers.ttl;
  if (typeof ttl !== "string" || !/^\d+$/.test(ttl)) return problem(res, 400, "the TTL header is required");
  const urgency = req.headers.urgency ?? "normal";
  if (typeof urgency !== "string" || !urgencies.has(urgency)) return problem(res, 400, "invalid Urgency");
  const vapid = await verifyVapid(req.headers.authorization, `http://${req.headers.host}`, Date.now() / 1000);
  if (!vapid.ok) return problem(res, vapid.status, vapid.reason);
  if (subscription.applicationServerKey && subscription.applicationServerKey !== vapid.claims.key)
    return problem(res, 403, "k= is not the key this subscription was made with");
  if (body === null) return problem(res, 413, `the body is over ${maxPushBytes} bytes`);
  if (body.length > 0 && req.headers["content-encoding"] !== "aes128gcm")
    return problem(res, 400, "Content-Encoding must be aes128gcm");
  let payload: string | null = null;
  let decryptError: string | null = null;
  try {
    payload = body.length > 0 ? await decryptPushMessage(new Uint8Array(body), subscription.keys) : "";
  } catch (err) {
    // A push service cannot read messages; a browser drops what it cannot decrypt. Recorded here.
    decryptError = err instanceof DecryptError ? err.message : "does not decrypt";
  }
  const id = randomBytes(12).toString("base64url");
  state.messages.push({
    id,
    subscription: subscription.id,
    ttl: Number(ttl),
    urgency,
    topic: typeof req.headers.topic === "string" ? req.headers.topic : null,
    vapid: vapid.claims,
    bytes: body.length,
    payload,
    decrypt_error: decryptError,
    at: new Date().toISOString(),
  });
  if (discard) return 201;
  res.writeHead(201, { location: `/m/${id}`, ttl, "content-length": "0" });
  res.end();
  return 201;
}

async function subscribe(state: PushState, req: ServiceRequest, origin: string): Promise<ServiceResponse> {
  const b = isRecord(req.body) ? req.body : {};
  const serverKey = typeof b.application_server_key === "string" ? b.application_server_key : null;
  let keys: Awaited<ReturnType<typeof generateReceiverKeys>>;
  if (b.private_key_jwk !== undefined) {
    if (!isRecord(b.private_key_jwk) || typeof b.auth !== "string" || fromB64u(b.auth).length !== 16)
      return {
        status: 400,
        json: { error: "private_key_jwk (a private P-256 JWK) needs auth (16 bytes, base64url)" },
      };
    try {
      keys = receiverKeysFrom(b.private_key_jwk as JsonWebKey, fromB64u(b.auth));
    } catch (err) {
      return { status: 400, json: { error: (err as Error).message } };
    }
  } else keys = await generateReceiverKeys();
  const record = state.subscribe(keys, serverKey);
  return {
    status: 201,
    json: {
      id: record.id,
      endpoint: `${origin}${pushPathPrefix}${record.id}`,
      expirationTime: null,
      keys: { p256dh: b64u(keys.publicKey), auth: b64u(keys.auth) },
    },
  };
}

export function pushService(state: PushState): ServiceDef {
  return {
    name: "push",
    handle: () => ({ status: 404, json: { code: 404, errno: 102, error: "Not Found" } }),
    faultResponse: (status) => ({ status, json: { code: status, errno: 999, error: "injected" } }),
    reset: () => state.reset(),
    dump: () => state.dump(),
    raw: {
      matches: (_method, path) => path.startsWith(pushPathPrefix),
      handle: (req, res, url, discard) => acceptPush(state, req, res, url, discard),
    },
    control: (req) => {
      const route = `${req.method} ${req.path.slice("/__berth/".length)}`;
      if (route === "POST subscriptions") return subscribe(state, req, `http://${req.headers.host}`);
      if (route === "GET messages") return { status: 200, json: state.messages };
      const gone = /^DELETE subscriptions\/([\w-]+)$/.exec(route);
      if (gone?.[1]) {
        const record = state.subscriptions.get(gone[1]);
        if (!record) return { status: 404, json: { error: "no such subscription" } };
        record.gone = true;
        return { status: 200, json: { ok: true } };
      }
      return undefined;
    },
  };
}
