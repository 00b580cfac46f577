import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, cleanUpFixture, expectNoLeak, type MatrixFixture } from "./support/matrix-fixture.ts";
import {
  type AuthKind,
  authKindOf,
  exampleOf,
  fetchOpenApi,
  fillPath,
  jsonBodySchema,
  type OpenApiDoc,
  type Operation,
  operationsOf,
  paramsIn,
} from "./support/openapi.ts";
import { type OwnerRequest, ownerRequests, ownerVmToken } from "./support/owner-requests.ts";
import { api, signIn } from "./support/session.ts";

/**
 * The authorization matrix: every operation of GET /api/openapi.json, tried by every kind of caller.
 * Nothing here lists routes: an operation added to the API is in the matrix by being documented.
 */

type Headers = Record<string, string>;
const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

interface Caller {
  name: string;
  /** Only for operations of these kinds (all when absent). */
  only?: AuthKind[];
  headers: (fx: MatrixFixture, freshSession: boolean) => Headers | Promise<Headers>;
  /** The status this caller must get, given the owner's. */
  expected: (op: Operation, kind: AuthKind, ownerStatus: number) => number;
}

const refused = (_op: Operation, kind: AuthKind, ownerStatus: number) =>
  kind === "public" ? ownerStatus : 401;

/** Another user acts on their own account, but the owner's resources do not exist for them. */
const otherUser = (op: Operation, kind: AuthKind, ownerStatus: number) => {
  if (kind === "public") return ownerStatus;
  if (kind !== "user") return 401;
  return paramsIn(op, "path").length > 0 ? 404 : ownerStatus;
};

const cookieOf = async (user: { login: string; cookie: string }, fresh: boolean) => ({
  cookie: fresh ? await signIn(user.login) : user.cookie,
});

const callers: Caller[] = [
  { name: "anonymous", headers: () => ({}), expected: refused },
  {
    name: "malformed Authorization header",
    headers: () => ({ authorization: "Bearer a b c" }),
    expected: refused,
  },
  {
    name: "forged session cookie",
    headers: () => ({
      cookie: "better-auth.session_token=forged%ZZ.c2lnbmF0dXJl%3D; better-auth.session_data=%%%",
    }),
    expected: refused,
  },
  { name: "made-up token", headers: () => bearer(`berth_${"A".repeat(40)}`), expected: refused },
  { name: "expired API key", headers: (fx) => bearer(fx.expiredKey.key), expected: refused },
  { name: "revoked API key", headers: (fx) => bearer(fx.revokedKey.key), expected: refused },
  { name: "another user (session)", headers: (fx, fresh) => cookieOf(fx.other, fresh), expected: otherUser },
  { name: "another user (API key)", headers: (fx) => bearer(fx.otherKey.key), expected: otherUser },
  {
    name: "another workspace's VM token",
    headers: (fx) => bearer(fx.otherVm.callbackToken),
    expected: refused,
  },
  {
    name: "the owner's session on a VM route",
    only: ["vmCallback", "vmBootstrap"],
    headers: (fx) => ({ cookie: fx.owner.cookie }),
    expected: refused,
  },
  {
    name: "the owner's API key on a VM route",
    only: ["vmCallback", "vmBootstrap"],
    headers: (fx) => bearer(fx.ownerKey.key),
    expected: refused,
  },
];

async function ownerHeaders(fx: MatrixFixture, kind: AuthKind, req: OwnerRequest): Promise<Headers> {
  if (kind === "vmCallback" || kind === "vmBootstrap") return bearer(ownerVmToken(fx, kind));
  return cookieOf(fx.owner, req.endsSession === true);
}

/**
 * Others send the same request, but with their own repo URL and Claude key: whatever they create
 * must not carry the owner's values, or a later body showing it back would hide a real leak.
 */
function withDecoys(fx: MatrixFixture, req: OwnerRequest): OwnerRequest {
  if (req.body === undefined) return req;
  const body = JSON.stringify(req.body)
    .replaceAll(fx.repoUrl, "https://github.com/octocat/Hello-World.git")
    .replaceAll(fx.claudeKey, `sk-ant-api03-${"d".repeat(40)}`);
  return { ...req, body: JSON.parse(body) };
}

interface Sent {
  status: number;
  text: string;
  /** Everything the caller sent: a body that only echoes it leaks nothing. */
  sent: string;
}

async function send(doc: OpenApiDoc, op: Operation, req: OwnerRequest, headers: Headers): Promise<Sent> {
  const path = fillPath(op.path, req.params ?? {});
  const url = req.query ? `${path}?${new URLSearchParams(req.query)}` : path;
  const schema = jsonBodySchema(doc, op);
  const body = req.body ?? (schema ? exampleOf(doc, schema) : undefined);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const res = await api(url, { method: op.method.toUpperCase(), headers, body: payload });
  return { status: res.status, text: await res.text(), sent: `${url} ${JSON.stringify(headers)} ${payload}` };
}

function errorShapeProblem(sent: Sent): string | null {
  if (sent.status < 400) return null;
  try {
    const { error } = JSON.parse(sent.text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof error?.code === "string" && typeof error.message === "string") return null;
  } catch {
    // falls through: not JSON
  }
  return `HTTP ${sent.status} without the error shape: ${sent.text.slice(0, 200)}`;
}

describe("authorization matrix, generated from GET /api/openapi.json", () => {
  let doc: OpenApiDoc;
  let fx: MatrixFixture;

  beforeAll(async () => {
    doc = await fetchOpenApi();
    fx = await buildFixture();
  }, 60_000);

  afterAll(async () => {
    await cleanUpFixture(fx);
  }, 60_000);

  it("has an owner request for every documented operation", () => {
    const missing = operationsOf(doc)
      .map((op) => op.operationId)
      .filter((id) => !(id in ownerRequests));
    expect(missing, "add these operationIds to test/support/owner-requests.ts").toEqual([]);
  });

  it("refuses every caller but the owner, with 401 or 404 and nothing of the owner's in the body", async () => {
    const problems: string[] = [];
    const ops = operationsOf(doc).filter((op) => op.operationId in ownerRequests);
    const ordered = [
      ...ops.filter((op) => !ownerRequests[op.operationId]?.(fx).destructive),
      ...ops.filter((op) => ownerRequests[op.operationId]?.(fx).destructive),
    ];
    let tried = 0;
    for (const op of ordered) {
      const make = ownerRequests[op.operationId];
      if (!make) continue;
      const req = make(fx);
      const kind = authKindOf(op);
      for (const caller of callers) {
        if (caller.only && !caller.only.includes(kind)) continue;
        const sent = await send(
          doc,
          op,
          withDecoys(fx, req),
          await caller.headers(fx, req.endsSession === true),
        );
        tried++;
        const label = `${op.operationId} as ${caller.name}`;
        const expected = req.asOtherUser?.[caller.name] ?? caller.expected(op, kind, req.expect);
        if (sent.status !== expected)
          problems.push(`${label}: HTTP ${sent.status}, expected ${expected}: ${sent.text.slice(0, 200)}`);
        const shape = errorShapeProblem(sent);
        if (shape) problems.push(`${label}: ${shape}`);
        try {
          expectNoLeak(fx, label, sent.text, sent.sent);
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      const owned = await send(doc, op, req, await ownerHeaders(fx, kind, req));
      tried++;
      if (owned.status !== req.expect) {
        problems.push(
          `${op.operationId} as the owner: HTTP ${owned.status}, expected ${req.expect}: ${owned.text.slice(0, 200)}`,
        );
      } else {
        await req.after?.(fx, JSON.parse(owned.text));
      }
    }
    expect(problems).toEqual([]);
    expect(tried).toBeGreaterThan(ops.length * callers.length * 0.8);
  }, 120_000);
});
