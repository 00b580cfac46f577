#!/usr/bin/env bun
import { agentConfigPath } from "@berth/protocol/agent";
import { agentPaths, loadConfig } from "./config.ts";
import { isCredentialOperation } from "./git/credential.ts";
import { runGitCredentialHelper } from "./git/helper.ts";
import { readStdin, runHookCommand } from "./hooks/client.ts";
import { type AgentStatus, agentVersion, formatStatus } from "./status.ts";

const help = `berth-agent ${agentVersion} — the Berth VM agent

Usage:
  berth-agent serve [--config FILE] [--secrets FILE]
      Run the daemon (systemd): bootstrap, clone, devcontainer, terminal, idle watch.
      --config   agent config (default ${agentConfigPath})
      --secrets  where redeemed secrets are kept (default: secrets.json beside the config)
  berth-agent hook <Event> [--socket PATH]
      Forward a Claude Code hook event (JSON on stdin) to the daemon. Always exits 0 within ~1 s.
      Socket: --socket, else $BERTH_AGENT_SOCKET, else <data_dir>/run/agent.sock from the config.
  berth-agent git-credential <get|store|erase> [--socket PATH]
      git's credential helper: asks the daemon (over the same socket as the hooks) for a GitHub
      token for the workspace's repository. Configured by the agent; not meant to be run by hand.
  berth-agent status [--config FILE] [--url URL] [--json]
      Show the running agent's state, terminal sessions and idle countdown.
  berth-agent version
  berth-agent --help
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function hookSocketPath(args: string[]): Promise<string> {
  const explicit = flag(args, "--socket") ?? process.env.BERTH_AGENT_SOCKET;
  if (explicit) return explicit;
  const configPath = flag(args, "--config") ?? agentConfigPath;
  if (await Bun.file(configPath).exists()) {
    const loaded = await loadConfig(configPath);
    if (loaded.ok) return agentPaths(loaded.config.data_dir).socketPath;
  }
  // Where the devcontainer sees the daemon's socket directory.
  return "/run/berth/agent.sock";
}

async function hook(args: string[]): Promise<number> {
  // Whatever happens below, Claude Code must never wait on us or see a failure.
  setTimeout(() => process.exit(0), 1500);
  try {
    const event = args[0] ?? "";
    const ok = await runHookCommand(event, await hookSocketPath(args.slice(1)), 1000);
    if (!ok && process.env.BERTH_AGENT_DEBUG) console.error("berth-agent hook: daemon not reached");
  } catch {
    // Swallowed on purpose: see above.
  }
  return 0;
}

/** Arguments that are not `--flag value` pairs (git appends the operation after ours). */
function positionals(args: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (flags.includes(a)) i++;
    else if (!flags.some((f) => a.startsWith(`${f}=`))) out.push(a);
  }
  return out;
}

async function gitCredential(args: string[]): Promise<number> {
  const operation = positionals(args, ["--socket"])[0];
  if (!isCredentialOperation(operation)) {
    console.error("berth-agent git-credential: expected get, store or erase");
    return 2;
  }
  const input = await readStdin(5000);
  const out = await runGitCredentialHelper(operation, input, await hookSocketPath(args));
  // Awaited: the process exits right after, and git must get the whole answer.
  if (out.stderr) await Bun.write(Bun.stderr, out.stderr);
  if (out.stdout) await Bun.write(Bun.stdout, out.stdout);
  return 0;
}

async function status(args: string[]): Promise<number> {
  let url = flag(args, "--url");
  if (!url) {
    const configPath = flag(args, "--config") ?? agentConfigPath;
    const loaded = await loadConfig(configPath);
    if (!loaded.ok) {
      console.error(`berth-agent status: ${loaded.error} (use --config or --url)`);
      return 2;
    }
    const { host, port } = loaded.config.listen;
    const h =
      host === "0.0.0.0" || host === "::" || host === ""
        ? "127.0.0.1"
        : host.includes(":")
          ? `[${host}]`
          : host;
    url = `http://${h}:${port}`;
  }
  const target = `${url.replace(/\/+$/, "")}/status`;
  let res: Response;
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(3000) });
  } catch {
    console.error(`berth-agent status: the agent is not running (nothing answers at ${target})`);
    return 1;
  }
  if (!res.ok) {
    console.error(`berth-agent status: ${target} answered HTTP ${res.status}`);
    return 1;
  }
  const body = (await res.json().catch(() => null)) as AgentStatus | null;
  if (!body || typeof body !== "object") {
    console.error(`berth-agent status: ${target} did not answer with JSON`);
    return 1;
  }
  console.log(args.includes("--json") ? JSON.stringify(body, null, 2) : formatStatus(body));
  return 0;
}

async function serveCommand(args: string[]): Promise<number> {
  const { serve, ServeError } = await import("./serve.ts");
  const configPath = flag(args, "--config") ?? agentConfigPath;
  try {
    const agent = await serve({ configPath, secretsPath: flag(args, "--secrets") });
    const onSignal = (sig: string) => {
      console.error(`berth-agent: ${sig}, stopping`);
      void agent.stop().then(() => process.exit(0));
      // A wedged stop must not outlive systemd's patience.
      setTimeout(() => process.exit(0), 10_000).unref();
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
    return -1; // keep running
  } catch (err) {
    console.error(`berth-agent: ${err instanceof ServeError ? err.message : String(err)}`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case "serve":
      return serveCommand(args);
    case "hook":
      return hook(args);
    case "git-credential":
      return gitCredential(args);
    case "status":
      return status(args);
    case "version":
    case "--version":
      console.log(`berth-agent ${agentVersion}`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(help);
      return 0;
    default:
      console.error(`berth-agent: unknown command "${cmd}"\n\n${help}`);
      return 2;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
}
