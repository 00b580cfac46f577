import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anthropicService } from "./anthropic/routes.ts";
import { AnthropicState } from "./anthropic/script.ts";
import { cloudflareService } from "./cloudflare/routes.ts";
import { CloudflareState, type Zone } from "./cloudflare/state.ts";
import { type Edge, startEdge } from "./edge/edge.ts";
import { type GithubAppConfig, GithubAppState } from "./github/app-state.ts";
import { applyGithubFixture } from "./github/fixture.ts";
import { GitStore } from "./github/git-store.ts";
import { githubService } from "./github/routes.ts";
import { type GithubClient, GithubState } from "./github/state.ts";
import { hetznerService } from "./hetzner/routes.ts";
import { HetznerState } from "./hetzner/state.ts";
import { pushService } from "./push/routes.ts";
import { PushState } from "./push/state.ts";
import { BucketMap, TokenBucket } from "./rate-limit.ts";
import { type RunningService, type ServiceDef, startService } from "./service.ts";
import { vmControl } from "./vm/control.ts";
import { startVmSimulator, type VmSimulator, type VmSimulatorOptions } from "./vm/simulator.ts";

export type { AnthropicRequestRecord, Step as AnthropicStep } from "./anthropic/script.ts";
export { AnthropicState } from "./anthropic/script.ts";
export type { DnsRecord, Zone } from "./cloudflare/state.ts";
export { CloudflareState } from "./cloudflare/state.ts";
export type { Edge, EdgeOptions } from "./edge/edge.ts";
export { startEdge } from "./edge/edge.ts";
export type { FaultRule } from "./faults.ts";
export { generateGithubAppKey, signAppJwt } from "./github/app-key.ts";
export type { GithubAppConfig, InstallationRecord, Permissions, RepoRecord } from "./github/app-state.ts";
export { DEFAULT_APP_PERMISSIONS, GithubAppState } from "./github/app-state.ts";
export type { CommitInfo } from "./github/git-store.ts";
export type { GithubClient } from "./github/state.ts";
export { GithubState } from "./github/state.ts";
export { USERS as GITHUB_USERS } from "./github/users.ts";
export { LOCATIONS, SERVER_TYPES } from "./hetzner/catalog.ts";
export type { HetznerServer, ServerCreatedEvent, ServerDeletedEvent, ServerStatus } from "./hetzner/state.ts";
export { HetznerState } from "./hetzner/state.ts";
export type { PushMessageRecord } from "./push/state.ts";
export { PushState } from "./push/state.ts";
export type { RecordedRequest } from "./recorder.ts";
export type { VmInfo, VmSimulator, VmSimulatorOptions, VmState } from "./vm/simulator.ts";
export { startVmSimulator } from "./vm/simulator.ts";
export { removeOwnedContainers, type SystemdVmConfig } from "./vm/systemd-machine.ts";

export interface LocalCloudOptions {
  /** 0 = ephemeral. Defaults 8701 / 8702 / 8703 / 8704. */
  hetznerPort?: number;
  cloudflarePort?: number;
  githubPort?: number;
  anthropicPort?: number;
  /** The browser push service (Web Push); default 8705. */
  pushPort?: number;
  /** Keys the Anthropic stand-in accepts; default any non-empty key. */
  anthropicApiKeys?: string[];
  /** Anthropic requests per minute; default 4000. */
  anthropicRateLimit?: { limit: number };
  host?: string;
  hetznerToken?: string;
  cloudflareToken?: string;
  zones?: Zone[];
  githubClients?: GithubClient[];
  /** The GitHub App (id 4242, slug "berth-local", key generated unless given); its client is githubClients[0]. */
  githubApp?: GithubAppConfig;
  /** Where the GitHub stand-in keeps its bare git repositories; default a temp dir removed on stop. */
  githubDataDir?: string;
  /**
   * Start (and reset to) local mode's fixture: the App on alice's account with alice/private-notes
   * (private) and alice/hello-world (public), and bob/dotfiles (App not installed). Default true.
   */
  githubFixture?: boolean;
  /** Hetzner token bucket; default 3600 requests, refilling limit/3600 per second (1/s by default). */
  hetznerRateLimit?: { limit: number; refillPerSecond?: number };
  /** Cloudflare per-token limit; default 1200 per 300 seconds. */
  cloudflareRateLimit?: { limit: number; windowSeconds?: number };
  /** GitHub per-token API limit; default 5000 per hour (unauthenticated callers: 60 per hour). */
  githubRateLimit?: { limit: number; anonymousLimit?: number };
  /** Milliseconds before a new server reads as "running"; default 1000, 0 = on the next read. */
  hetznerBootMs?: number;
  /** Milliseconds a create_image action runs before the snapshot is available; default 500. */
  hetznerImageMs?: number;
  /**
   * Where servers' addresses come from: this /24 (default 127.0.10.0, so 127.0.10.1, ...). A local
   * VM binds its address on this machine, so two stand-ins with VMs at once need different ones.
   */
  hetznerIpBase?: string;
  /**
   * Boot a systemd VM of the Berth VM image for every created server, on the server's address;
   * directories under `rootDir`. Default off.
   */
  vms?: Omit<VmSimulatorOptions, "hetzner"> | false;
  /** Start the local edge proxy (`<id>.localhost:<port>` -> the VM) on this port; 0 = ephemeral. Default off. */
  edgePort?: number;
  /** The agent's port on every VM, for the edge; default 7681. */
  agentPort?: number;
}

export interface LocalCloud {
  /** `anthropic` is the base URL for `ANTHROPIC_BASE_URL` (no /v1). */
  urls: {
    hetzner: string;
    cloudflare: string;
    github: string;
    anthropic: string;
    push: string;
    edge?: string;
  };
  hetzner: HetznerState;
  /** The VM simulator when `vms` was given, else null. */
  vms: VmSimulator | null;
  cloudflare: CloudflareState;
  github: GithubState;
  /** The GitHub App: its key (`githubApp.key.pem`), installations, repositories and tokens. */
  githubApp: GithubAppState;
  anthropic: AnthropicState;
  /** The push service: subscriptions and the messages it accepted, decrypted. */
  push: PushState;
  stop(): Promise<void>;
}

export const DEFAULT_ZONE: Zone = { id: "023e105f4ecef8ad9ca31a8372d0c353", name: "localhost" };
export const DEFAULT_GITHUB_CLIENT: GithubClient = {
  clientId: "local-github-client",
  clientSecret: "local-github-secret",
};

/** The first control handler that owns the path answers. */
function chainControl(...handlers: Array<ServiceDef["control"]>): NonNullable<ServiceDef["control"]> {
  return async (req) => {
    for (const h of handlers) {
      const r = await h?.(req);
      if (r) return r;
    }
    return undefined;
  };
}

export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = opts.host ?? "127.0.0.1";
  const hetzner = new HetznerState({
    bootMs: opts.hetznerBootMs ?? 1000,
    imageMs: opts.hetznerImageMs ?? 500,
    ...(opts.hetznerIpBase ? { ipBase: opts.hetznerIpBase } : {}),
  });
  const cloudflare = new CloudflareState(opts.zones ?? [DEFAULT_ZONE]);
  const github = new GithubState(opts.githubClients ?? [DEFAULT_GITHUB_CLIENT]);
  const tempGitDir = opts.githubDataDir ? null : mkdtempSync(join(tmpdir(), "berth-github-"));
  const githubApp = new GithubAppState(
    opts.githubApp ?? {},
    github,
    new GitStore(opts.githubDataDir ?? (tempGitDir as string)),
  );
  const githubFixture = opts.githubFixture ?? true;
  if (githubFixture) applyGithubFixture(githubApp);
  const removeGitDir = () => {
    if (tempGitDir) rmSync(tempGitDir, { recursive: true, force: true });
  };
  const anthropic = new AnthropicState();
  const push = new PushState();
  const anLimit = opts.anthropicRateLimit?.limit ?? 4000;
  const hLimit = opts.hetznerRateLimit?.limit ?? 3600;
  const cfLimit = opts.cloudflareRateLimit?.limit ?? 1200;
  const ghLimit = opts.githubRateLimit?.limit ?? 5000;
  const anonLimit = opts.githubRateLimit?.anonymousLimit ?? 60;

  const vms = opts.vms ? startVmSimulator({ ...opts.vms, hetzner }) : null;
  const hetznerDef = hetznerService({
    state: hetzner,
    token: opts.hetznerToken ?? "local-hetzner-token",
    bucket: new TokenBucket({
      limit: hLimit,
      refillPerSecond: opts.hetznerRateLimit?.refillPerSecond ?? hLimit / 3600,
    }),
  });
  const origins: { github?: string } = {};
  const defs: Array<[ServiceDef, number]> = [
    [
      vms ? { ...hetznerDef, control: chainControl(vmControl(vms), hetznerDef.control) } : hetznerDef,
      opts.hetznerPort ?? 8701,
    ],
    [
      cloudflareService({
        state: cloudflare,
        token: opts.cloudflareToken ?? "local-cloudflare-token",
        buckets: new BucketMap({
          limit: cfLimit,
          refillPerSecond: cfLimit / (opts.cloudflareRateLimit?.windowSeconds ?? 300),
        }),
      }),
      opts.cloudflarePort ?? 8702,
    ],
    [
      githubService({
        state: github,
        buckets: new BucketMap({ limit: ghLimit, refillPerSecond: ghLimit / 3600 }),
        anonymousBuckets: new BucketMap({ limit: anonLimit, refillPerSecond: anonLimit / 3600 }),
        app: githubApp,
        fixture: githubFixture,
      }),
      opts.githubPort ?? 8703,
    ],
    [
      anthropicService({
        state: anthropic,
        bucket: new TokenBucket({ limit: anLimit, refillPerSecond: anLimit / 60 }),
        ...(opts.anthropicApiKeys ? { apiKeys: opts.anthropicApiKeys } : {}),
      }),
      opts.anthropicPort ?? 8704,
    ],
    [pushService(push), opts.pushPort ?? 8705],
  ];

  const running: RunningService[] = [];
  let edge: Edge | null = null;
  try {
    for (const [def, port] of defs) running.push(await startService(def, host, port));
    if (opts.edgePort !== undefined)
      edge = await startEdge({
        port: opts.edgePort,
        host,
        cloudflare,
        ...(opts.agentPort ? { agentPort: opts.agentPort } : {}),
        // Systemd VMs run their own Caddy: the edge hands every request to it.
        ...(opts.vms ? { vmCaddyPort: 443 } : {}),
      });
  } catch (err) {
    await Promise.all([...running.map((r) => r.close()), vms?.stop()]);
    removeGitDir();
    throw err;
  }
  const [h, c, g, a, p] = running as [
    RunningService,
    RunningService,
    RunningService,
    RunningService,
    RunningService,
  ];
  origins.github = g.origin;
  return {
    urls: {
      hetzner: `${h.origin}/v1`,
      cloudflare: `${c.origin}/client/v4`,
      github: g.origin,
      anthropic: a.origin,
      push: p.origin,
      ...(edge ? { edge: edge.url } : {}),
    },
    hetzner,
    vms,
    cloudflare,
    github,
    githubApp,
    anthropic,
    push,
    async stop() {
      await Promise.all([...running.map((r) => r.close()), edge?.stop(), vms?.stop()]);
      removeGitDir();
    },
  };
}
