import type { AgentConfig, ProgressRequest, TaskSpec } from "@berth/protocol/agent";
import { BootError, type BootResult, bootWorkspace, type ShellSpec } from "./boot/boot.ts";
import { type CommandRunner, runCommand } from "./boot/exec.ts";
import { bootTimeline, type CloudInitReader, cloudInitReader } from "./boot/timeline.ts";
import { agentPaths, defaultSecretsPath, isCompiled, loadConfig, selfCommand } from "./config.ts";
import { createControlPlaneClient } from "./control-plane/client.ts";
import { loadOrRedeemSecrets } from "./control-plane/secrets.ts";
import { createSecretsRefresher } from "./control-plane/secrets-refresh.ts";
import { createShutdownRequester } from "./control-plane/shutdown.ts";
import { gitCredentialHandler, gitCredentialKind } from "./git/channel.ts";
import { type GitStatus, readGitStatus } from "./git/status.ts";
import { createGitTokens } from "./git/tokens.ts";
import { startHookServer } from "./hooks/server.ts";
import type { ForwardedPorts } from "./http/forward-auth.ts";
import { createIdleMonitor } from "./idle/monitor.ts";
import { leaseSettings } from "./idle/policy.ts";
import { heartbeatBody, settingsFromConfig, warningBanner } from "./idle/report.ts";
import { loadIdleState, saveIdleState } from "./idle/store.ts";
import { createPortDetector, type PortDetector, samePorts } from "./ports/detect.ts";
import { PortVisibility } from "./ports/visibility.ts";
import { RestoreError, restoreSnapshot } from "./snapshot/restore.ts";
import { createSnapshotService, defaultCheckpointSeconds, type SnapshotService } from "./snapshot/service.ts";
import { createSleeper } from "./snapshot/sleep.ts";
import { type AgentPhase, type AgentStatus, buildStatus, type SessionInfo } from "./status.ts";
import { exists, mkdir } from "./sys/files.ts";
import { dirname, join } from "./sys/paths.ts";
import { createResidentTrimmer, releaseAndLog } from "./sys/resident.ts";
import { createPromptRunner } from "./tasks/prompts.ts";
import { type RunningTask, startTask, type TaskOptions } from "./tasks/task.ts";

/** The terminal half's server (src/http/server.ts), as this half uses it. */
export interface AgentHttpServer {
  url: string;
  port: number;
  sessions(): SessionInfo[];
  broadcastBanner(text: string | null): void;
  stop(): Promise<void>;
}
export type StartHttpServer = (opts: {
  config: AgentConfig;
  shell: ShellSpec;
  onHumanInput(): void;
  getStatus(): unknown;
  secureCookies?: boolean;
  forwardedPorts?: ForwardedPorts;
}) => Promise<AgentHttpServer>;

export interface ServeOptions {
  configPath: string;
  /** Defaults to secrets.json beside the config (protocol's agentSecretsPath in production). */
  secretsPath?: string;
  /** Injected in tests; production uses the real ones. */
  startHttpServer?: StartHttpServer;
  run?: CommandRunner;
  env?: Record<string, string>;
  fetch?: typeof fetch;
  now?: () => number;
  tickMs?: number;
  /** How often listening ports are read; default 2 s. */
  portScanMs?: number;
  /** Injected in tests; default: the kernel's tables, filtered to what Caddy can reach. */
  portDetector?: PortDetector;
  /** cloud-init's stage times for the boot timeline; default: its status file or command. */
  cloudInitStatus?: CloudInitReader;
  log?: (msg: string) => void;
  /**
   * The compiled agent to mount into a devcontainer (git's credential helper, Claude's hooks); by
   * default this process when it is one. Tests under `bun test` (not compiled) pass a built one.
   */
  agentBinary?: string;
  /** Overrides for a task's runner (tests: a short minute, a fake claude). */
  task?: Partial<Pick<TaskOptions, "claude" | "minuteMs" | "pollMs" | "eventIntervalMs" | "retryMs">>;
}

/** git status is read again for a heartbeat only when older than this. */
const gitStatusMinMs = 4000;

/** While a port listens, heartbeats come this often, so a visibility change arrives in seconds. */
export const portsHeartbeatSeconds = 5;

/** How long the terminal page must be left alone before the binary's pages are released again. */
export const residentQuietMs = 60_000;

export interface RunningAgent {
  status(): AgentStatus;
  boot: BootResult;
  http: AgentHttpServer;
  /** Idempotent: stops loops and servers, saves the idle clocks. */
  stop(): Promise<void>;
}

export class ServeError extends Error {
  override name = "ServeError";
}

async function defaultStartHttpServer(): Promise<StartHttpServer> {
  // Loaded on use so the control half (and its tests) do not depend on the terminal half.
  const mod = await import("./http/server.ts");
  // Assigned without a cast so tsc checks the two halves agree on the interface.
  const start: StartHttpServer = mod.startAgentHttpServer;
  return start;
}

/** Boots that may fail (each after a systemd restart) before the agent asks to be destroyed. */
export const maxBootAttempts = 3;

async function readBootAttempts(path: string): Promise<number> {
  const text = await Bun.file(path)
    .text()
    .catch(() => "0");
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

async function writeBootAttempts(path: string, attempts: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await Bun.write(path, String(attempts));
}

/** `berth-agent serve`: bootstrap, boot, terminal, hooks, idle and heartbeat loops. */
export async function serve(opts: ServeOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((m: string) => console.error(`berth-agent: ${m}`));
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const loaded = await loadConfig(opts.configPath);
  if (!loaded.ok) throw new ServeError(loaded.error);
  const config = loaded.config;
  const paths = agentPaths(config.data_dir);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });

  const client = createControlPlaneClient({
    baseUrl: config.control_plane_url,
    workspaceId: config.workspace_id,
    fetch: opts.fetch,
    now,
    log,
  });
  const secretsPath = opts.secretsPath ?? defaultSecretsPath(opts.configPath);
  const secrets = await loadOrRedeemSecrets({
    path: secretsPath,
    client,
    bootstrapToken: config.bootstrap_token,
    retry: { attempts: 10, baseMs: 1000, maxMs: 30_000 },
  });
  if (!secrets.ok) throw new ServeError(secrets.error);
  log(secrets.source === "stored" ? "using stored secrets" : "bootstrap token redeemed");
  client.setCallbackToken(secrets.secrets.callback_token);

  // Progress lines go out in order, one at a time; a lost line never blocks the boot.
  let progressChain: Promise<unknown> = Promise.resolve();
  const report = (step: string, message: string, atMs?: number) => {
    log(`${step}: ${message}`);
    const body: ProgressRequest = {
      step: step.slice(0, 64),
      message: message.slice(0, 2000),
      at: new Date(atMs ?? now()).toISOString(),
    };
    progressChain = progressChain.then(() =>
      client.progress(body, { attempts: 4, baseMs: 500, maxMs: 5000 }),
    );
  };

  let phase: AgentPhase = "starting";
  let runtime: BootResult["runtime"] | null = null;
  let error: string | null = null;
  let http: AgentHttpServer | null = null;
  const heartbeat = {
    lastAt: null as number | null,
    ok: null as boolean | null,
    error: null as string | null,
  };

  // Set once the heartbeat loop exists: a warning or Claude starting to wait is reported at once,
  // not at the next 60-second beat (the grace period may be shorter than that).
  let reportNow: () => void = () => {};

  const shutdown = createShutdownRequester({ client, log });
  // Set once the workspace is ready: sleeping needs the runtime that holds the home.
  let snapshots: SnapshotService | null = null;
  const goToSleep = createSleeper({
    service: () => snapshots,
    report,
    banner: (text) => http?.broadcastBanner(text),
    flush: () => progressChain,
    shutdown: (reason, snapshotId) => shutdown.request(reason, undefined, snapshotId),
    onStart: () => {
      phase = "shutting_down";
    },
  });
  const persisted = await loadIdleState(paths.idleStatePath);
  const monitor = createIdleMonitor({
    settings: { ...settingsFromConfig(config), ...leaseSettings(opts.env ?? process.env) },
    now,
    persisted,
    persist: (s) => saveIdleState(paths.idleStatePath, s),
    log,
    onWarn: (reason, at) => {
      log(`idle: warning, shutdown (${reason}) at ${new Date(at).toISOString()}`);
      http?.broadcastBanner(warningBanner(reason, at, now()));
      reportNow();
    },
    onCancelWarning: () => {
      log("idle: activity, warning cancelled");
      http?.broadcastBanner(null);
      reportNow();
    },
    onShutdown: (reason) => {
      log(`idle: going to sleep (${reason})`);
      goToSleep(reason);
    },
  });

  // Installation tokens for App repos: asked for by git's helper over the hook socket, held in
  // memory only (git/tokens.ts).
  const git = secrets.secrets.git ?? null;
  const tokens = git
    ? createGitTokens({ git, fetchToken: (retry) => client.gitCredentials(retry), now, log })
    : null;

  let claudeState = monitor.report().claude.state;
  const hooks = await startHookServer(
    paths.socketPath,
    (h) => {
      monitor.hook(h);
      const next = monitor.report().claude.state;
      if (next !== claudeState) reportNow(); // e.g. "Claude is waiting for you" reaches the dashboard now
      claudeState = next;
    },
    log,
    { [gitCredentialKind]: gitCredentialHandler(git, tokens) },
  );
  report("agent", `berth-agent started (${secrets.source === "stored" ? "restart" : "first start"})`);
  // The boot timeline (dashboard bar): only a first start is a boot worth timing.
  const timeline = bootTimeline(report, now);
  if (secrets.source !== "stored") {
    timeline.mark("agent.start", startedAt);
    void timeline.cloudInit(opts.cloudInitStatus ?? cloudInitReader({ run: opts.run, env: opts.env }));
  }

  phase = "booting";
  let boot: BootResult;
  try {
    // A wake: the snapshot replaces the clone. A restart after it finds the restored .git.
    const restore = secrets.secrets.restore;
    if (restore && !exists(join(paths.workspaceDir, ".git"))) {
      await restoreSnapshot({
        client,
        snapshotId: restore.snapshot_id,
        workDir: paths.restoreWorkDir,
        workspaceDir: paths.workspaceDir,
        pendingHomeDir: paths.pendingHomeDir,
        report,
      });
    }
    boot = await bootWorkspace({
      config,
      secrets: secrets.secrets,
      paths,
      agentCommand: selfCommand(),
      agentBinary: opts.agentBinary ?? (isCompiled() ? process.execPath : null),
      report,
      mark: (m) => {
        if (secrets.source !== "stored") timeline.mark(m);
      },
      run: opts.run,
      env: opts.env,
    });
  } catch (err) {
    phase = "failed";
    error = err instanceof Error ? err.message : String(err);
    report(
      err instanceof BootError ? err.step : err instanceof RestoreError ? "restore" : "boot",
      `failed: ${error}`,
    );
    // systemd restarts the agent, which retries the boot; a failure that keeps coming back (a repo
    // that cannot be cloned) must not keep a VM billing until the control plane's deadline.
    const attempts = (await readBootAttempts(paths.bootAttemptsPath)) + 1;
    await writeBootAttempts(paths.bootAttemptsPath, attempts);
    await progressChain;
    // A corrupt or missing snapshot stays so: fail the wake now, with the reason (the control
    // plane keeps the snapshot).
    if (err instanceof RestoreError && err.permanent) {
      report("restore", "the snapshot cannot be restored; asking the control plane to stop this VM");
      await progressChain;
      await shutdown.request("boot_failed", error);
    } else if (attempts >= maxBootAttempts) {
      report("boot", `giving up after ${attempts} attempts; asking the control plane to delete this VM`);
      await progressChain;
      await shutdown.request("boot_failed", error);
    }
    await hooks.stop();
    throw new ServeError(`boot failed: ${error}`);
  }
  await writeBootAttempts(paths.bootAttemptsPath, 0);
  runtime = boot.runtime;

  const status = (): AgentStatus =>
    buildStatus({
      config,
      phase,
      runtime,
      error,
      idle: monitor.report(),
      sessions: http?.sessions() ?? [],
      shutdownRequest: shutdown.state,
      heartbeat,
    });

  const detector =
    opts.portDetector ??
    createPortDetector({
      agentHost: config.listen.host,
      ownPorts: [config.listen.port],
      ownPid: process.pid,
    });
  const visibility = new PortVisibility();
  const start = opts.startHttpServer ?? (await defaultStartHttpServer());
  const localHost = config.hostname === "localhost" || config.hostname.endsWith(".localhost");
  http = await start({
    config,
    shell: boot.shell,
    onHumanInput: () => monitor.humanInput(),
    getStatus: status,
    // Production is TLS behind Caddy; local mode is plain http on *.localhost.
    secureCookies: !localHost,
    forwardedPorts: {
      isPublic: (port) => visibility.isPublic(port),
      isListening: (port) => detector.isListening(port),
    },
  });
  report("terminal", `Terminal listening on ${http.url}`);
  if (secrets.source !== "stored") timeline.mark("terminal.ready");
  const ready = await client.ready({ runtime: boot.runtime }, { attempts: 10, baseMs: 1000, maxMs: 30_000 });
  if (!ready.ok) log(`ready: ${ready.error}`);
  phase = "ready";
  // A first boot may take many minutes; the person's idle allowance starts when it is usable.
  if (!persisted) monitor.activity();

  snapshots = createSnapshotService({
    client,
    workspaceDir: boot.workspaceDir,
    scratchDir: paths.snapshotScratchDir,
    keepIgnored: config.snapshot_keep_ignored ?? false,
    home: boot.home,
    checkpointIntervalMs: (config.checkpoint_interval_seconds ?? defaultCheckpointSeconds) * 1000,
    stateFile: join(paths.dataDir, "state", "checkpoint.json"),
    report,
    log,
  });
  await snapshots.startCheckpoints();
  // A task workspace runs its job headless now; the terminal stays the person's.
  let task: RunningTask | null = null;
  const spec = secrets.secrets.task ?? null;
  const taskOptions = (s: TaskSpec, statePath: string): TaskOptions => ({
    spec: s,
    runtime: boot.task,
    client,
    workspaceDir: boot.workspaceDir,
    statePath,
    env: opts.env ?? (process.env as Record<string, string>),
    run: opts.run,
    now,
    log,
    report,
    ...opts.task,
  });
  if (spec) task = startTask(taskOptions(spec, paths.taskStatePath));
  // An interactive workspace runs the prompts the heartbeat answers name, beside the terminal.
  const prompts = spec
    ? null
    : createPromptRunner((s) => startTask(taskOptions(s, paths.promptStatePath)), log);

  // The compiled binary's pages that booting touched go back to the kernel once up, and again after
  // each visit (src/sys/resident.ts); from `bun src/cli.ts` they are bun's, shared: left alone.
  const trimmer = createResidentTrimmer({ now, quietMs: residentQuietMs, release: () => releaseAndLog(log) });
  const tick = () => {
    monitor.tick();
    if (isCompiled()) trimmer.tick((http?.sessions() ?? []).some((s) => s.clients > 0));
  };
  tick();
  const tickTimer = setInterval(tick, opts.tickMs ?? 5000);

  let stopped = false;
  let hbTimer: ReturnType<typeof setTimeout> | null = null;
  await detector.scan();
  // git status rides on heartbeats, read at most every few seconds (three plumbing commands).
  const run = opts.run ?? runCommand;
  let gitStatus: { at: number; value: GitStatus | null } | null = null;
  const currentGitStatus = async () => {
    if (!gitStatus || now() - gitStatus.at >= gitStatusMinMs) {
      gitStatus = { at: now(), value: await readGitStatus(run, paths.workspaceDir, opts.env) };
    }
    return gitStatus.value;
  };
  // After a restart of the environment, the heartbeat's answer says so; the next beat tells the
  // control plane the new secrets are in place (sent at once, for the dashboard).
  const refresher = createSecretsRefresher({
    client,
    path: secretsPath,
    secrets: secrets.secrets,
    apply: (s) => boot.applySecrets(s),
    onApplied: () => reportNow(),
    log,
    report,
  });
  const sendHeartbeat = async () => {
    const gitNow = await currentGitStatus();
    const body = {
      ...heartbeatBody(monitor.report(), http?.sessions().length ?? 0),
      ports: detector.current(),
      ...(gitNow ? { git: gitNow } : {}),
      secrets_generation: refresher.applied(),
    };
    const r = await client.heartbeat(body, { attempts: 3, baseMs: 1000, maxMs: 10_000 });
    heartbeat.lastAt = now();
    heartbeat.ok = r.ok;
    heartbeat.error = r.ok ? null : r.error;
    if (r.ok) {
      visibility.update(r.data.public_ports);
      // The owner pressed Sleep (or the API asked).
      if (r.data.state === "sleeping") goToSleep("user");
      if (!stopped) void refresher.offer(r.data.secrets_generation);
      if (!stopped) prompts?.offer(r.data.prompt_task);
    } else log(`heartbeat: ${r.error}`);
  };
  // setTimeout chain, not setInterval: a slow control plane never stacks heartbeats.
  const scheduleHeartbeat = () => {
    if (hbTimer) clearTimeout(hbTimer);
    if (stopped) return;
    const seconds =
      detector.current().length > 0
        ? Math.min(portsHeartbeatSeconds, config.heartbeat_interval_seconds)
        : config.heartbeat_interval_seconds;
    hbTimer = setTimeout(async () => {
      await sendHeartbeat();
      scheduleHeartbeat();
    }, seconds * 1000);
  };
  void sendHeartbeat().then(scheduleHeartbeat);
  reportNow = () => void sendHeartbeat();

  // A server started or stopped in the workspace reaches the dashboard at once.
  let scanning = false;
  const portTimer = setInterval(async () => {
    if (scanning || stopped) return;
    scanning = true;
    try {
      const before = detector.current();
      if (!samePorts(before, await detector.scan())) {
        await sendHeartbeat();
        scheduleHeartbeat();
      }
    } finally {
      scanning = false;
    }
  }, opts.portScanMs ?? 2000);

  let stopping: Promise<void> | null = null;
  const runningHttp = http;
  return {
    status,
    boot,
    http: runningHttp,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        snapshots?.stop();
        clearInterval(tickTimer);
        clearInterval(portTimer);
        if (hbTimer) clearTimeout(hbTimer);
        await task?.stop();
        await prompts?.stop();
        await monitor.flush();
        await runningHttp.stop();
        await hooks.stop();
      })();
      return stopping;
    },
  };
}
