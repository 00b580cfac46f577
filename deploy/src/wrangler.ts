/** Runs wrangler (resolved from PATH, so tests can put a fake first) and shows commands safely. */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The first executable called `name` on PATH, or null. */
export function which(name: string, pathVar = process.env.PATH ?? ""): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export interface Command {
  args: string[];
  /** Fed to stdin (secret values). Never printed. */
  stdin?: string;
  /** How to show stdin in logs and dry runs, e.g. "(generated, 44 characters)". */
  stdinLabel?: string;
}

/** A command as printed: arguments quoted when needed, stdin replaced by its label. */
export function display(program: string, command: Command): string {
  const quoted = [program, ...command.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)));
  const input = command.stdin !== undefined ? ` < ${command.stdinLabel ?? "(redacted)"}` : "";
  return `${quoted.join(" ")}${input}`;
}

export class Wrangler {
  readonly executable: string;
  readonly cwd: string;
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  /** Every command actually run, for the summary and for tests. */
  readonly ran: string[] = [];

  constructor(options: { executable: string; cwd: string; configPath: string; env: NodeJS.ProcessEnv }) {
    this.executable = options.executable;
    this.cwd = options.cwd;
    this.configPath = options.configPath;
    this.env = options.env;
  }

  /** `wrangler <args> --config <path>` as a command object. */
  command(args: string[], stdin?: { value: string; label: string }): Command {
    const full = [...args, "--config", this.configPath];
    return stdin ? { args: full, stdin: stdin.value, stdinLabel: stdin.label } : { args: full };
  }

  show(command: Command): string {
    return display("wrangler", command);
  }

  run(command: Command): Promise<RunResult> {
    this.ran.push(this.show(command));
    return new Promise((resolve, reject) => {
      const child = spawn(this.executable, command.args, {
        cwd: this.cwd,
        env: { ...this.env, CI: this.env.CI ?? "1", WRANGLER_SEND_METRICS: "false" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.on("error", () => {});
      child.stdin.end(command.stdin ?? "");
    });
  }

  /** Runs a command that must succeed; the error names the command (secrets redacted) and its output. */
  async must(command: Command): Promise<RunResult> {
    const result = await this.run(command);
    if (result.code !== 0) {
      const output = `${result.stderr}\n${result.stdout}`.trim().split("\n").slice(-15).join("\n");
      throw new Error(`\`${this.show(command)}\` failed (exit ${result.code}):\n${output}`);
    }
    return result;
  }
}
