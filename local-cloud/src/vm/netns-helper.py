"""A systemd VM's way in and out. Runs inside the VM container's network namespace (nsenter
--net), in the host's mount namespace, so it reaches unix sockets on the host's filesystem. The
namespace has only loopback: no veth, nothing of Docker's.

out: every TCP connection a VM process makes to 127.0.0.1 / ::1 is redirected here (iptables
     REDIRECT, in the VM's namespace only). If something in the VM listens on that port, the
     connection goes there; otherwise to the host's loopback, through <dir>/out.sock (a line with
     the port, then the bytes). So `http://localhost:8787` in user_data means the control plane,
     and a VM-local service still answers first. Caddy's own connections (user caddy) and this
     helper's (mark 0x1) are never redirected.
in:  <dir>/in-<port>.sock -> 127.0.0.1:<port> in the VM (Caddy's 80 and 443).

Argument: JSON {"dir", "in": [ports], "redirect_port", "caddy_uid"}. Prints "ready" when listening.
"""

import asyncio
import json
import os
import socket
import struct
import subprocess
import sys

cfg = json.loads(sys.argv[1])
MARK = 1
SO_ORIGINAL_DST = 80
PORT = cfg["redirect_port"]


def rules(tool, addr):
    base = [tool, "-w", "-t", "nat"]
    subprocess.run(base + ["-F", "OUTPUT"], check=True, capture_output=True)
    exempt = [["-m", "mark", "--mark", str(MARK)], ["--dport", str(PORT)]]
    if cfg.get("caddy_uid") is not None:
        exempt.append(["-m", "owner", "--uid-owner", str(cfg["caddy_uid"])])
    for extra in exempt:
        subprocess.run(base + ["-A", "OUTPUT", "-p", "tcp", "-d", addr] + extra + ["-j", "RETURN"],
                       check=True, capture_output=True)
    subprocess.run(base + ["-A", "OUTPUT", "-p", "tcp", "-d", addr, "-j", "REDIRECT",
                           "--to-ports", str(PORT)], check=True, capture_output=True)


async def splice(r1, w1, r2, w2):
    async def copy(r, w):
        try:
            while True:
                data = await r.read(65536)
                if not data:
                    break
                w.write(data)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                w.close()
            except Exception:
                pass

    await asyncio.gather(copy(r1, w2), copy(r2, w1))


async def local(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
    s.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(s, (host, port))
    except OSError:
        s.close()
        raise
    return await asyncio.open_connection(sock=s)


def original_port(sock):
    if sock.family == socket.AF_INET6:
        raw = sock.getsockopt(socket.SOL_IPV6, SO_ORIGINAL_DST, 28)
        return struct.unpack("!H", raw[2:4])[0]
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    return struct.unpack("!H", raw[2:4])[0]


async def outbound(reader, writer):
    sock = writer.get_extra_info("socket")
    try:
        port = original_port(sock)
        family = sock.family
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        try:
            r2, w2 = await local(family, host, port)
        except OSError:
            r2, w2 = await asyncio.open_unix_connection(os.path.join(cfg["dir"], "out.sock"))
            w2.write(f"{port}\n".encode())
        await splice(reader, writer, r2, w2)
    except Exception:
        writer.close()


def inbound(port):
    async def handle(reader, writer):
        try:
            r2, w2 = await local(socket.AF_INET, "127.0.0.1", port)
            await splice(reader, writer, r2, w2)
        except Exception:
            writer.close()

    return handle


async def main():
    rules("iptables", "127.0.0.1/32")
    servers = [await asyncio.start_server(outbound, "127.0.0.1", PORT)]
    try:
        rules("ip6tables", "::1/128")
        servers.append(await asyncio.start_server(outbound, "::1", PORT))
    except (subprocess.CalledProcessError, OSError):
        pass  # no IPv6 on this loopback: localhost is 127.0.0.1 only
    for port in cfg["in"]:
        path = os.path.join(cfg["dir"], f"in-{port}.sock")
        if os.path.exists(path):
            os.unlink(path)
        servers.append(await asyncio.start_unix_server(inbound(port), path))
    print("ready", flush=True)
    # Ends when the simulator closes our stdin (or kills us).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
