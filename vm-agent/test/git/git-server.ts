/**
 * A real git smart-HTTP server for tests: git's own `git http-backend` (CGI) behind Bun.serve, with
 * HTTP Basic auth whose password must be a token the test says is valid for that repository.
 */
export interface GitServerRequest {
  method: string;
  path: string;
  user: string | null;
  password: string | null;
  status: number;
}

export function startGitServer(opts: {
  /** Directory holding bare repos (<owner>/<name>.git). */
  root: string;
  /** True when `password` may reach `repo` ("owner/name"). */
  allow(user: string, password: string, repo: string): boolean;
}) {
  const requests: GitServerRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const repo = /^\/([^/]+\/[^/]+?)(?:\.git)?\//.exec(url.pathname)?.[1] ?? "";
      const [user, password] = basicAuth(req.headers.get("authorization"));
      const rec: GitServerRequest = { method: req.method, path: url.pathname, user, password, status: 0 };
      requests.push(rec);
      if (user === null || password === null || !opts.allow(user, password, repo)) {
        rec.status = 401;
        return new Response("Unauthorized\n", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="berth test"' },
        });
      }
      const pathInfo = url.pathname.replace(/^\/([^/]+\/[^/]+?)(?:\.git)?\//, "/$1.git/");
      const proc = Bun.spawn(["git", "http-backend"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          GIT_PROJECT_ROOT: opts.root,
          GIT_HTTP_EXPORT_ALL: "1",
          PATH_INFO: pathInfo,
          QUERY_STRING: url.search.replace(/^\?/, ""),
          REQUEST_METHOD: req.method,
          CONTENT_TYPE: req.headers.get("content-type") ?? "",
          HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
          GIT_PROTOCOL: req.headers.get("git-protocol") ?? "",
          REMOTE_USER: user,
          REMOTE_ADDR: "127.0.0.1",
        },
        stdin: req.body ? new Uint8Array(await req.arrayBuffer()) : "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const out = new Uint8Array(await new Response(proc.stdout).arrayBuffer());
      await proc.exited;
      const cgi = parseCgi(out);
      rec.status = cgi.status;
      return new Response(Buffer.from(cgi.body), { status: cgi.status, headers: cgi.headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: () => server.stop(true),
  };
}

function basicAuth(header: string | null): [string | null, string | null] {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m?.[1]) return [null, null];
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? [text, null] : [text.slice(0, colon), text.slice(colon + 1)];
}

/** CGI output: header lines, a blank line, the body. `Status: 404 Not Found` sets the status. */
function parseCgi(out: Uint8Array): { status: number; headers: Headers; body: Uint8Array } {
  let end = -1;
  let skip = 0;
  for (let i = 0; i < out.length - 1; i++) {
    if (out[i] === 10 && out[i + 1] === 10) {
      end = i;
      skip = 2;
      break;
    }
    if (out[i] === 13 && out[i + 1] === 10 && out[i + 2] === 13 && out[i + 3] === 10) {
      end = i;
      skip = 4;
      break;
    }
  }
  if (end < 0) return { status: 502, headers: new Headers(), body: out };
  const headers = new Headers();
  let status = 200;
  for (const line of new TextDecoder().decode(out.subarray(0, end)).split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.append(name, value);
  }
  return { status, headers, body: out.subarray(end + skip) };
}
