// The Docker socket a systemd VM sees at /var/run/docker.sock: the project's engine, through a
// proxy that makes one shared engine look like the VM's own.
//   - Paths: the VM's docker CLI names paths of the VM's filesystem in bind mounts (the agent's
//     workspace at /var/lib/berth/workspace, its binary at /usr/local/bin/berth-agent), but the
//     engine resolves them on the host. The VM's /var/lib/berth is a host directory mounted in,
//     so those paths map to it; any other path maps into the VM container's root filesystem.
//   - Ownership: every container the VM creates carries the label berth.vm=<key>, and the VM's
//     container lists see only those (two VMs' devcontainers share a workspace path, and the
//     devcontainer CLI finds its container by that path). Deleting the VM removes them by label.
//   - Network: a devcontainer on the "host" network joins the VM's namespace, as on a real VM.
//   - Processes: every container's processes live in the VM's PID namespace, so the VM sees them
//     in its /proc as a VM's kernel would (the agent names a listening port's process that way).
//   - Labels stay as the VM's CLI wrote them: the devcontainer CLI matches its start event by its
//     folder label, so devcontainer.local_folder names the path in the VM.
// Everything else (attach, exec, build, events) passes through unchanged, upgrades included.
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import path from "node:path";

export const VM_LABEL = "berth.vm";

export interface DockerProxyOptions {
  /** Where the VM's socket is created on the host. */
  socket: string;
  /** The project's engine socket. */
  engine: string;
  /** The value of the berth.vm label of this VM's containers. */
  key: string;
  /** Directories the VM has from the host: VM path -> host path. */
  shared: Array<{ vm: string; host: string }>;
  /** The VM container's root filesystem on the host (overlay merged dir), while it runs. */
  rootfs: () => string | null;
  /** A label every container made through the proxy also gets (whose simulator made it). */
  owner?: { label: string; value: string };
  /** The VM's container: "host" networking means its namespace. */
  networkContainer?: () => string;
}

/** Maps a path in the VM to the host path the engine must use for it. */
export function hostPath(p: string, opts: Pick<DockerProxyOptions, "shared" | "rootfs">): string {
  if (!p.startsWith("/")) return p; // a named volume
  const clean = path.posix.normalize(p);
  for (const s of opts.shared) {
    if (clean === s.vm || clean.startsWith(`${s.vm}/`)) return s.host + clean.slice(s.vm.length);
  }
  const root = opts.rootfs();
  return root ? path.posix.join(root, clean) : clean;
}

const CREATE = /^(\/v[\d.]+)?\/containers\/create$/;
const LIST = /^(\/v[\d.]+)?\/containers\/json$/;

interface CreateBody {
  Labels?: Record<string, string>;
  HostConfig?: {
    Binds?: string[];
    Mounts?: Array<{ Type?: string; Source?: string }>;
    NetworkMode?: string;
    PidMode?: string;
  };
}

/** The create request the engine gets: paths on the host, and the VM's label. */
export function rewriteCreate(body: CreateBody, opts: DockerProxyOptions): CreateBody {
  const hc = body.HostConfig ?? {};
  const labels: Record<string, string> = { ...body.Labels, [VM_LABEL]: opts.key };
  if (opts.owner) labels[opts.owner.label] = opts.owner.value;
  const network =
    hc.NetworkMode === "host" && opts.networkContainer ? `container:${opts.networkContainer()}` : null;
  return {
    ...body,
    Labels: labels,
    HostConfig: {
      ...hc,
      ...(network ? { NetworkMode: network } : {}),
      ...(opts.networkContainer && !hc.PidMode ? { PidMode: `container:${opts.networkContainer()}` } : {}),
      ...(hc.Binds
        ? {
            Binds: hc.Binds.map((b) => {
              const [src = "", ...rest] = b.split(":");
              return [hostPath(src, opts), ...rest].join(":");
            }),
          }
        : {}),
      ...(hc.Mounts
        ? {
            Mounts: hc.Mounts.map((m) =>
              m.Type === "bind" && m.Source ? { ...m, Source: hostPath(m.Source, opts) } : m,
            ),
          }
        : {}),
    },
  };
}

/** A container list query narrowed to the VM's own containers. */
export function rewriteList(url: string, key: string): string {
  const u = new URL(url, "http://docker");
  let filters: Record<string, unknown> = {};
  try {
    filters = JSON.parse(u.searchParams.get("filters") ?? "{}") as Record<string, unknown>;
  } catch {
    // an unreadable filter: the engine answers it with its own error, narrowed all the same
  }
  const own = `${VM_LABEL}=${key}`;
  const label = filters.label;
  // Old API versions use {"label": {"a=b": true}}, newer a list; both are accepted by the engine.
  if (Array.isArray(label)) filters.label = [...label, own];
  else if (label && typeof label === "object") filters.label = { ...label, [own]: true };
  else filters.label = [own];
  u.searchParams.set("filters", JSON.stringify(filters));
  return `${u.pathname}${u.search}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function rawHead(req: IncomingMessage, url: string): string {
  const lines = [`${req.method} ${url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

export async function startDockerProxy(opts: DockerProxyOptions): Promise<{ stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    try {
      const pathname = (req.url ?? "/").split("?")[0] ?? "/";
      let url = req.url ?? "/";
      let body: Buffer | null = null;
      if (req.method === "POST" && CREATE.test(pathname)) {
        const raw = await readBody(req);
        body = Buffer.from(JSON.stringify(rewriteCreate(JSON.parse(raw.toString("utf8") || "{}"), opts)));
      } else if (req.method === "GET" && LIST.test(pathname)) {
        url = rewriteList(url, opts.key);
      }
      const headers = { ...req.headers };
      if (body) {
        delete headers["transfer-encoding"];
        headers["content-length"] = String(body.length);
      }
      const up = request({ socketPath: opts.engine, method: req.method, path: url, headers }, (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.rawHeaders);
        // Long polls (wait, events) answer with headers first: the client waits for them.
        res.flushHeaders();
        ures.pipe(res);
      });
      up.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `docker engine: ${err.message}` }));
      });
      res.on("close", () => up.destroy());
      if (body) up.end(body);
      else req.pipe(up);
    } catch (err) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: (err as Error).message }));
    }
  });
  // attach / exec start: after the response head the connection is a raw stream both ways.
  server.on("upgrade", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const up = connect({ path: opts.engine });
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    up.write(rawHead(req, req.url ?? "/"));
    if (head.length > 0) up.write(head);
    up.pipe(client).pipe(up);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", end);
    up.on("error", end);
    client.on("close", end);
    up.on("close", end);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  rmSync(opts.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socket, () => resolve());
  });
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
      rmSync(opts.socket, { force: true });
    },
  };
}
