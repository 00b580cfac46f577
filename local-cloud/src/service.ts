import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FaultRule, FaultSet, validateFaultRule } from "./faults.ts";
import {
  BodyTooLargeError,
  parseBody,
  queryObject,
  readRaw,
  type ServiceRequest,
  type ServiceResponse,
  sleep,
} from "./http-util.ts";
import { publicHeaders, Recorder } from "./recorder.ts";

/** One stand-in service: its routes, its error shape for faults, and its state hooks. */
export interface ServiceDef {
  name: string;
  handle(req: ServiceRequest): ServiceResponse | Promise<ServiceResponse>;
  /** The service's real error response for an injected status without a body. */
  faultResponse(status: number): ServiceResponse;
  reset(): void;
  dump(): unknown;
  /** Largest request body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** Extra `/__berth/` control routes (e.g. the VM simulator's); undefined = not mine. */
  control?(req: ServiceRequest): ServiceResponse | undefined | Promise<ServiceResponse | undefined>;
  /**
   * Requests whose bodies must stream (binary, unbounded: git's smart HTTP): `matches` claims
   * them before any body is read, `handle` answers on the raw response and resolves to the status
   * it sent. `discard` (a loseResponse fault) means: do the work, send nothing; the caller then
   * destroys the socket. Fault rules and the recorder (without the body) still apply.
   */
  raw?: {
    matches(method: string, path: string): boolean;
    handle(req: IncomingMessage, res: ServerResponse, url: URL, discard: boolean): Promise<number>;
  };
}

export interface RunningService {
  origin: string;
  port: number;
  recorder: Recorder;
  faults: FaultSet;
  close(): Promise<void>;
}

const CONTROL_PREFIX = "/__berth/";

async function writeStream(res: ServerResponse, r: ServiceResponse, body: AsyncIterable<string>) {
  res.writeHead(r.status, { ...r.headers, "transfer-encoding": "chunked" });
  res.flushHeaders();
  for await (const chunk of body) {
    if (res.destroyed) return;
    res.write(chunk);
  }
  res.end();
}

function write(res: ServerResponse, r: ServiceResponse): void | Promise<void> {
  if (r.stream) return writeStream(res, r, r.stream());
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload = "";
  if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
      headers["content-type"] = "application/json; charset=utf-8";
  } else if (r.text !== undefined) {
    payload = r.text;
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

function control(def: ServiceDef, rec: Recorder, faults: FaultSet, req: ServiceRequest): ServiceResponse {
  const route = `${req.method} ${req.path.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case "GET requests":
      return { status: 200, json: rec.list() };
    case "DELETE requests":
      rec.clear();
      return { status: 200, json: { ok: true } };
    case "GET faults":
      return { status: 200, json: faults.list() };
    case "POST faults": {
      const rule = validateFaultRule(req.body);
      if (typeof rule === "string") return { status: 400, json: { error: rule } };
      faults.add(rule);
      return { status: 201, json: { ok: true, rule } };
    }
    case "DELETE faults":
      faults.clear();
      return { status: 200, json: { ok: true } };
    case "POST reset":
      def.reset();
      faults.clear();
      rec.clear();
      return { status: 200, json: { ok: true } };
    case "GET state":
      return { status: 200, json: def.dump() };
    default:
      return { status: 404, json: { error: `unknown control endpoint ${route}` } };
  }
}

/** What the recorder keeps of one request; `body` is what the handler saw (raw routes: none). */
function recorderFor(rec: Recorder, req: IncomingMessage, url: URL, at: string) {
  return (status: number, body: unknown, fault?: string) =>
    rec.add({
      method: (req.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query: queryObject(url),
      headers: publicHeaders(req.headers),
      body,
      status,
      at,
      ...(fault ? { fault } : {}),
    });
}

/** An injected status: the service's own error for it, or the rule's body, with the rule's headers. */
function injectedResponse(def: ServiceDef, rule: FaultRule & { status: number }): ServiceResponse {
  if (rule.body === undefined) {
    const base = def.faultResponse(rule.status);
    return { ...base, headers: { ...base.headers, ...rule.headers } };
  }
  return typeof rule.body === "string"
    ? { status: rule.status, text: rule.body, headers: { ...rule.headers } }
    : { status: rule.status, json: rule.body, headers: { ...rule.headers } };
}

async function handleRaw(
  raw: NonNullable<ServiceDef["raw"]>,
  def: ServiceDef,
  rec: Recorder,
  faults: FaultSet,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const recorded = recorderFor(rec, req, url, new Date().toISOString());
  const record = (status: number, fault?: string) => recorded(status, undefined, fault);
  const rule = faults.take((req.method ?? "GET").toUpperCase(), url.pathname);
  if (rule?.delayMs) await sleep(rule.delayMs);
  if (rule?.status !== undefined) {
    req.resume();
    const r = injectedResponse(def, { ...rule, status: rule.status });
    record(r.status, "status");
    write(res, r);
    return;
  }
  if (rule?.headers) for (const [k, v] of Object.entries(rule.headers)) res.setHeader(k, v);
  const status = await raw.handle(req, res, url, rule?.loseResponse === true);
  if (rule?.loseResponse) req.socket.destroy();
  record(status, rule ? (rule.loseResponse ? "lost" : rule.delayMs ? "delay" : "headers") : undefined);
}

async function handle(
  def: ServiceDef,
  rec: Recorder,
  faults: FaultSet,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://local");
  if (
    def.raw &&
    !url.pathname.startsWith(CONTROL_PREFIX) &&
    def.raw.matches(req.method ?? "GET", url.pathname)
  )
    return handleRaw(def.raw, def, rec, faults, req, res, url);
  const recorded = recorderFor(rec, req, url, new Date().toISOString());
  const rawBody = await readRaw(req, def.maxBodyBytes).catch((err: unknown) => {
    if (!(err instanceof BodyTooLargeError)) throw err;
    // The service's own 413 (Anthropic's request_too_large, ...), as its front answers it.
    const r = def.faultResponse(413);
    recorded(r.status, `(${err.message})`);
    write(res, r);
    return null;
  });
  if (rawBody === null) return;
  const sreq: ServiceRequest = {
    method: (req.method ?? "GET").toUpperCase(),
    url,
    path: url.pathname,
    headers: req.headers,
    rawBody,
    body: parseBody(rawBody, req.headers["content-type"]),
  };
  if (sreq.path.startsWith(CONTROL_PREFIX)) {
    write(res, (await def.control?.(sreq)) ?? control(def, rec, faults, sreq));
    return;
  }
  const record = (status: number, fault?: string) =>
    recorded(status, typeof sreq.body === "symbol" ? rawBody : sreq.body, fault);

  const rule = faults.take(sreq.method, sreq.path);
  if (rule?.delayMs) await sleep(rule.delayMs);
  if (rule?.loseResponse) {
    const r = await def.handle(sreq);
    record(r.status, "lost");
    req.socket.destroy();
    return;
  }
  if (rule?.status !== undefined) {
    const r = injectedResponse(def, { ...rule, status: rule.status });
    record(r.status, "status");
    write(res, r);
    return;
  }
  const r = await def.handle(sreq);
  if (rule?.headers) r.headers = { ...r.headers, ...rule.headers };
  record(r.status, rule ? (rule.delayMs ? "delay" : "headers") : undefined);
  await write(res, r);
}

export function startService(def: ServiceDef, host: string, port: number): Promise<RunningService> {
  const recorder = new Recorder();
  const faults = new FaultSet();
  const server: Server = createServer((req, res) => {
    handle(def, recorder, faults, req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      write(res, { status: 500, json: { error: String(err) } });
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address() as AddressInfo;
      const hostPart = host.includes(":") ? `[${host}]` : host;
      resolve({
        origin: `http://${hostPart}:${addr.port}`,
        port: addr.port,
        recorder,
        faults,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
