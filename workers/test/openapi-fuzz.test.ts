import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "./support/conforms.ts";
import { snapshotOf } from "./support/d1-snapshot.ts";
import { type BaseRequest, type FuzzCase, fuzzCases, randomCases } from "./support/fuzz-cases.ts";
import { createWorkspace, waitForState } from "./support/lifecycle.ts";
import { buildFixture, cleanUpFixture, type MatrixFixture } from "./support/matrix-fixture.ts";
import {
  authKindOf,
  exampleOf,
  fetchOpenApi,
  fillPath,
  jsonBodySchema,
  type OpenApiDoc,
  type Operation,
  operationsOf,
} from "./support/openapi.ts";
import { awaitingGithubStandIn, ownerRequests, ownerVmToken } from "./support/owner-requests.ts";
import { testPublicUrl } from "./support/test-env.ts";

/**
 * Malformed input generated from GET /api/openapi.json: every operation that takes a body or
 * parameters gets each part broken in turn (wrong types, missing fields, long strings, odd
 * characters, bad JSON, wrong content types, bad ids and query values), plus random combinations
 * from a fixed seed. Sent by the owner (the VM's own token for VM routes), so only the input is wrong.
 */

const seed = 20261130;
const minimumRequests = 1000;

interface Outcome {
  fuzz: FuzzCase;
  status: number;
  text: string;
}

function credentialsFor(fx: MatrixFixture, op: Operation): Record<string, string> {
  const kind = authKindOf(op);
  if (kind === "vmCallback" || kind === "vmBootstrap")
    return { authorization: `Bearer ${ownerVmToken(fx, kind)}` };
  // Public operations (sign-in, sign-out) get no cookie: sign-out would end the owner's session.
  return kind === "user" ? { cookie: fx.owner.cookie } : {};
}

async function send(fx: MatrixFixture, fuzz: FuzzCase): Promise<Outcome> {
  const path = fuzz.rawPath
    ? fuzz.op.path.replace(/\{(\w+)\}/g, (_, name: string) => fuzz.params[name] ?? "")
    : fillPath(fuzz.op.path, fuzz.params);
  const url = fuzz.query ? `${path}?${fuzz.query}` : path;
  const headers = new Headers({ origin: testPublicUrl, ...credentialsFor(fx, fuzz.op), ...fuzz.headers });
  // Not api(): it would add a JSON content type to a body sent without one on purpose.
  const init: RequestInit = { method: fuzz.op.method.toUpperCase(), headers, redirect: "manual" };
  if (fuzz.body !== undefined) init.body = new TextEncoder().encode(fuzz.body);
  const res = await SELF.fetch(`${testPublicUrl}${url}`, init);
  return { fuzz, status: res.status, text: await res.text() };
}

/** Everything wrong with one response: a 5xx, a success for a broken request, a non-standard error. */
function problemsWith({ fuzz, status, text }: Outcome): string[] {
  const label = `${fuzz.op.operationId} ${fuzz.what}: HTTP ${status}`;
  const problems: string[] = [];
  if (status >= 500) problems.push(`${label} (server error) ${text.slice(0, 160)}`);
  // A rate-limited request never reached the code under test: the fuzz would prove nothing.
  if (status === 429) problems.push(`${label}: rate-limited, so the input was never checked`);
  if (fuzz.reject && (status < 400 || status >= 500)) problems.push(`${label}, expected a 4xx`);
  if (fuzz.status && status !== fuzz.status) problems.push(`${label}, expected ${fuzz.status}`);
  if (status >= 400) {
    try {
      const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof error?.code !== "string" || typeof error.message !== "string") throw new Error();
    } catch {
      problems.push(`${label}, body not {"error":{"code","message"}}: ${text.slice(0, 160)}`);
    }
  }
  return problems;
}

/** Sends a few at a time (the Worker serves them concurrently, as it would in production). */
async function sendAll(fx: MatrixFixture, cases: FuzzCase[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < cases.length; i += 8) {
    out.push(...(await Promise.all(cases.slice(i, i + 8).map((c) => send(fx, c)))));
  }
  return out;
}

function baseRequest(doc: OpenApiDoc, fx: MatrixFixture, op: Operation): BaseRequest {
  const owner = ownerRequests[op.operationId]?.(fx);
  if (!owner) throw new Error(`no owner request for ${op.operationId} in test/support/owner-requests.ts`);
  const schema = jsonBodySchema(doc, op);
  return { params: owner.params ?? {}, body: owner.body ?? (schema ? exampleOf(doc, schema) : undefined) };
}

describe("malformed input generated from GET /api/openapi.json", () => {
  let fx: MatrixFixture;
  let cases: FuzzCase[] = [];

  beforeAll(async () => {
    const doc = await fetchOpenApi();
    fx = await buildFixture();
    // The owner is at the live-workspace limit, so a create that happens to be valid writes nothing.
    const third = await createWorkspace(fx.owner.cookie, { repo_url: fx.repoUrl });
    expect(third.res.status).toBe(201);
    await waitForState(third.body.id, "booting");
    const targets = operationsOf(doc)
      .filter((op) => jsonBodySchema(doc, op) || (op.parameters ?? []).length > 0)
      .map((op) => ({ op, base: baseRequest(doc, fx, op) }));
    cases = targets.flatMap(({ op, base }) => fuzzCases(doc, op, base));
    cases.push(
      ...randomCases(doc, seededRandom(seed), targets, Math.max(300, minimumRequests - cases.length)),
    );
  }, 60_000);

  afterAll(async () => {
    await cleanUpFixture(fx);
  }, 60_000);

  it(`sends at least ${minimumRequests} requests, covering every operation with input`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(minimumRequests);
    const ops = new Set(cases.map((c) => c.op.operationId));
    expect(ops.size).toBeGreaterThanOrEqual(10);
  });

  it("refuses every request that breaks the contract with a 4xx in the error shape, and writes nothing", async () => {
    const before = await snapshotOf([fx.owner.id, fx.other.id]);
    const outcomes = await sendAll(
      fx,
      cases.filter((c) => c.reject),
    );
    expect(outcomes.flatMap(problemsWith)).toEqual([]);
    expect(await snapshotOf([fx.owner.id, fx.other.id])).toEqual(before);
  }, 120_000);

  it("answers requests the contract allows (odd but valid values) without a 5xx, touching only the caller's rows", async () => {
    const before = await snapshotOf([fx.other.id], { counts: false });
    const allowed = cases.filter((c) => !c.reject && !awaitingGithubStandIn.has(c.op.operationId));
    // What ends the VM's session (shutdown) goes last, so it does not turn the rest into 409s.
    const last = (c: FuzzCase) => (ownerRequests[c.op.operationId]?.(fx).destructive ? 1 : 0);
    const outcomes = await sendAll(
      fx,
      [...allowed].sort((a, b) => last(a) - last(b)),
    );
    expect(outcomes.flatMap(problemsWith)).toEqual([]);
    expect(await snapshotOf([fx.other.id], { counts: false })).toEqual(before);
  }, 120_000);
});
