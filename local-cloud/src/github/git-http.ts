import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Caller, repoAccess } from "./api-util.ts";
import { type GithubAppState, levelAllows } from "./app-state.ts";

/**
 * Git's smart HTTP protocol at `/<owner>/<repo>(.git)/{info/refs,git-upload-pack,git-receive-pack}`,
 * served by git's own `git http-backend` (CGI) with GitHub's rules for who may fetch and push:
 * public repositories fetch anonymously; private ones and every push need HTTP Basic auth with a
 * token as the password (any username, e.g. x-access-token). No token is ever logged.
 */

const GIT_PATH =
  /^\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export function isGitPath(path: string): boolean {
  return GIT_PATH.test(path);
}

function credentials(req: IncomingMessage): { user: string; password: string } | null {
  const m = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i < 0
    ? { user: decoded, password: "" }
    : { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** The caller a Basic password (or a bare token as the username) stands for; null if none is valid. */
function callerOf(app: GithubAppState, creds: { user: string; password: string }): Caller | null {
  const token = creds.password || creds.user;
  if (token.startsWith("ghs_")) {
    const rec = app.tokenRecord(token);
    const inst = rec ? app.installation(rec.installationId) : undefined;
    return rec && inst ? { kind: "installation", token, rec, inst } : null;
  }
  const info = app.users.tokenInfo(token);
  return info ? { kind: "user", token, login: info.login, clientId: info.clientId } : null;
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(`${text}\n`);
  return status;
}

const ASK = { "WWW-Authenticate": 'Basic realm="GitHub"' };

export function gitHttp(app: GithubAppState) {
  return {
    matches: (_method: string, path: string) => isGitPath(path),
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, discard: boolean): Promise<number> {
      const [, owner = "", name = "", rest = ""] = GIT_PATH.exec(url.pathname) ?? [];
      const service = rest === "info/refs" ? url.searchParams.get("service") : rest;
      const method = (req.method ?? "GET").toUpperCase();
      const expected = rest === "info/refs" ? "GET" : "POST";
      if ((service !== "git-upload-pack" && service !== "git-receive-pack") || method !== expected) {
        req.resume();
        return reply(
          res,
          403,
          "Please upgrade your git client.\nGitHub.com no longer supports git over dumb-http.",
        );
      }
      const push = service === "git-receive-pack";
      const repo = app.repo(owner, name);
      const creds = credentials(req);
      let remoteUser: string | undefined;
      if (!creds) {
        if (!repo || repo.private || push) {
          req.resume();
          return reply(res, 401, "", ASK);
        }
      } else {
        const caller = callerOf(app, creds);
        if (!caller) {
          req.resume();
          return reply(res, 401, "Invalid username or password.", ASK);
        }
        if (caller.kind === "installation" && caller.inst.suspendedAt) {
          req.resume();
          return reply(res, 403, "This installation has been suspended.");
        }
        const access = repo ? repoAccess(app, caller, repo) : undefined;
        if (!repo || !access?.visible || access.contents === null) {
          req.resume();
          return reply(res, 404, "Repository not found.");
        }
        if (push && !levelAllows(access.contents, "write")) {
          req.resume();
          return reply(res, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${access.actor}.`);
        }
        remoteUser = access.actor;
      }
      if (!repo) return reply(res, 404, "Repository not found.");
      const status = await backend(
        app,
        req,
        res,
        url,
        app.git.relPath(repo.owner, repo.name),
        rest,
        remoteUser,
        discard,
      );
      if (push && status === 200) repo.pushedAt = new Date(app.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
      return status;
    },
  };
}

/** Runs `git http-backend` for one request, streaming the body in and the CGI answer out. */
function backend(
  app: GithubAppState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  repoPath: string,
  rest: string,
  remoteUser: string | undefined,
  discard: boolean,
): Promise<number> {
  const h = req.headers;
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: app.git.root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `${repoPath}/${rest}`,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: (req.method ?? "GET").toUpperCase(),
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    SERVER_PROTOCOL: "HTTP/1.1",
  };
  if (h["content-type"]) env.CONTENT_TYPE = h["content-type"];
  if (h["content-length"]) env.CONTENT_LENGTH = h["content-length"];
  // http-backend inflates gzip bodies itself when told the encoding.
  if (h["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(h["content-encoding"]);
  if (h["git-protocol"]) env.HTTP_GIT_PROTOCOL = String(h["git-protocol"]);
  // Without REMOTE_USER http-backend refuses receive-pack: only authenticated pushes get one.
  if (remoteUser) env.REMOTE_USER = remoteUser;
  const child = spawn("git", ["http-backend"], { env: app.git.env(env), stdio: ["pipe", "pipe", "ignore"] });
  child.stdin.on("error", () => {});
  req.pipe(child.stdin);
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let status = 200;
    let started = false;
    const start = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf("\r\n\r\n");
      let sep = 4;
      if (end < 0) {
        end = head.indexOf("\n\n");
        sep = 2;
      }
      if (end < 0) return;
      started = true;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10) || 500;
        else headers[k] = v;
      }
      const body = head.subarray(end + sep);
      if (discard) return;
      res.writeHead(status, headers);
      if (body.length) res.write(body);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      if (!started) start(chunk);
      else if (!discard) res.write(chunk);
    });
    child.on("error", () => {
      if (!res.headersSent && !discard) reply(res, 500, "git http-backend could not start");
      resolve(500);
    });
    child.on("close", (code) => {
      if (!started) {
        status = 500;
        if (!discard && !res.headersSent) reply(res, 500, `git http-backend failed (${code})`);
      } else if (!discard) res.end();
      resolve(status);
    });
  });
}
