// The curl walkthrough of a workspace's life against the running local system, as the VM would
// play it: the bootstrap token is read from the server's user_data in the Hetzner stand-in.

import { devDeploymentId } from "./local-env.ts";
import { smokeSleepWake } from "./smoke-sleep.ts";

/** The comment the local Worker puts on a workspace's DNS records (protocol's dnsComment). */
const dnsCommentOf = (id: string) => `berth:${devDeploymentId}:workspace=${id}`;

interface Deps {
  baseUrl: string;
  apiKey: string;
  hetznerControl: string;
  cloudflareControl: string;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function poll<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function smokeLifecycle(deps: Deps): Promise<string[]> {
  const log: string[] = [];
  const auth = { authorization: `Bearer ${deps.apiKey}`, "content-type": "application/json" };
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${deps.baseUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });

  await json(
    await call("/api/credentials/claude", {
      method: "PUT",
      body: JSON.stringify({ api_key: "sk-ant-api03-smoke-test-0000000000000000" }),
    }),
    "set Claude key",
  );
  const ws = await json<{ id: string; hostname: string }>(
    await call("/api/workspaces", {
      method: "POST",
      body: JSON.stringify({ repo_url: "https://example.test/smoke.git" }),
    }),
    "create workspace",
  );
  log.push(`created workspace ${ws.id} (${ws.hostname})`);

  const detail = await poll("the workspace to boot", async () => {
    const d = await json<{ state: string; server_id: number | null }>(
      await call(`/api/workspaces/${ws.id}`),
      "get",
    );
    return d.state === "booting" ? d : null;
  });
  const hetzner = await json<{ servers: Array<{ id: number; user_data: string }> }>(
    await fetch(`${deps.hetznerControl}/__berth/state`),
    "hetzner state",
  );
  const server = hetzner.servers.find((s) => s.id === detail.server_id);
  const records = await json<{ records: Array<{ name: string; comment: string }> }>(
    await fetch(`${deps.cloudflareControl}/__berth/state`),
    "dns state",
  );
  const mine = records.records.filter((r) => r.comment === dnsCommentOf(ws.id));
  if (!server || mine.length !== 2)
    throw new Error(`expected a server and 2 DNS records, got ${mine.length}`);
  log.push(`server ${server.id} and DNS records ${mine.map((r) => r.name).join(", ")} exist`);

  if (!server.user_data.includes(`${deps.baseUrl}/agent/berth-agent-linux-x64.xz`)) {
    throw new Error("the VM's user_data does not download the agent published in local R2");
  }
  const bootstrapToken = /bt_[A-Za-z0-9_-]{20,}/.exec(server.user_data)?.[0] ?? "";
  const vm = (action: string, token: string, body: unknown) =>
    fetch(`${deps.baseUrl}/api/vm/workspaces/${ws.id}/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const secrets = await json<{ callback_token: string }>(
    await vm("bootstrap", bootstrapToken, {}),
    "bootstrap",
  );
  const token = secrets.callback_token;
  await json(await vm("ready", token, { runtime: "host" }), "ready");
  await json(
    await vm("heartbeat", token, {
      last_human_input_at: null,
      claude: { state: "idle" },
      open_terminals: 0,
      idle: { idle_seconds: 1800, warning: true, shutdown_at: new Date().toISOString() },
    }),
    "heartbeat",
  );
  log.push("VM callbacks: bootstrap, ready, heartbeat");
  log.push(
    ...(await smokeSleepWake({
      baseUrl: deps.baseUrl,
      workspaceId: ws.id,
      callbackToken: token,
      call,
      poll,
      servers: async () =>
        (
          await json<{ servers: Array<{ id: number; user_data: string; labels: Record<string, string> }> }>(
            await fetch(`${deps.hetznerControl}/__berth/state`),
            "hetzner state",
          )
        ).servers,
    })),
  );
  return log;
}
