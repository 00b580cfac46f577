// A systemd VM's network. The container runs with `--network none`: its namespace has only
// loopback, and nothing of Docker's (no bridge, no 172.x). Two kinds of forward, both through
// unix sockets in `<vm dir>/net/` (a filesystem path crosses namespaces, a TCP port does not):
//   - out: a connection to 127.0.0.1:<port> inside the VM that nothing in the VM answers reaches
//     the host's 127.0.0.1:<port> (the control plane, the stand-ins, a test's git server), so
//     `localhost:8787` in user_data means the same inside as outside;
//   - in: the VM's own address (its Hetzner IPv4, 127.0.10.N on the host) on ports 80 and 443
//     reaches the VM's Caddy, for the local edge and anything else on this machine.
// The in-namespace side is netns-helper.py, run by nsenter in the container's namespace.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";

const HELPER = join(import.meta.dirname, "netns-helper.py");

export interface VmNetworkOptions {
  /** `<vm dir>/net`: the sockets. */
  dir: string;
  /** The VM's address on the host (a 127/8 address). */
  ip: string;
  /** Ports of the VM that its address serves. */
  inPorts: number[];
}

function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on("error", end);
    s.on("close", end);
  }
}

const asRoot = (argv: string[]) => (process.getuid?.() === 0 ? argv : ["sudo", "-n", ...argv]);

export class VmNetwork {
  private readonly opts: VmNetworkOptions;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private helper: ChildProcess | null = null;
  private cut = false;

  constructor(opts: VmNetworkOptions) {
    this.opts = opts;
  }

  private track(s: Socket): Socket {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    return s;
  }

  private async serve(
    handler: (c: Socket) => void,
    where: { path: string } | { host: string; port: number },
  ) {
    const server = createServer((c) => {
      this.track(c);
      if (this.cut) c.destroy();
      else handler(c);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(where, () => resolve());
    });
    this.servers.push(server);
  }

  /** The host side: listens before the VM boots, so its first connection finds it. */
  async start(): Promise<void> {
    const { dir, ip } = this.opts;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // One line with the port, then the connection's bytes.
    await this.serve((c) => this.outbound(c), { path: join(dir, "out.sock") });
    for (const port of this.opts.inPorts) {
      await this.serve((c) => splice(c, this.track(connect({ path: join(dir, `in-${port}.sock`) }))), {
        host: ip,
        port,
      });
    }
  }

  private outbound(c: Socket): void {
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > 16) c.destroy();
        return;
      }
      c.off("data", onData);
      c.pause();
      const port = Number(head.subarray(0, nl).toString("ascii"));
      if (!Number.isInteger(port) || port < 1 || port > 65535) return void c.destroy();
      const up = this.track(connect(port, "127.0.0.1"));
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) up.write(rest);
      splice(c, up);
      c.resume();
    };
    c.on("data", onData);
  }

  /** The namespace side, in the container whose init is `pid` (again after every power-on). */
  async attach(pid: number, caddyUid: number | null): Promise<void> {
    this.detach();
    const argv = asRoot([
      "nsenter",
      `--net=/proc/${pid}/ns/net`,
      "--",
      "python3",
      HELPER,
      JSON.stringify({ dir: this.opts.dir, in: this.opts.inPorts, redirect_port: 1, caddy_uid: caddyUid }),
    ]);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    this.helper = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes("ready\n")) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`network helper exited (${code}): ${output.trim()}`)));
    });
  }

  detach(): void {
    const h = this.helper;
    this.helper = null;
    if (h && h.exitCode === null) {
      h.stdin?.end();
      h.kill("SIGTERM");
    }
  }

  /** Like pulling the cable: every connection through it drops, and new ones are refused. */
  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.detach();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    rmSync(this.opts.dir, { recursive: true, force: true });
  }
}
