import { type GitCredentialAnswer, type GitCredentialRequest, gitCredentialKind } from "./channel.ts";
import { type CredentialOperation, formatCredentialAnswer, parseCredentialRequest } from "./credential.ts";

/** How long git waits for the agent (which may retry the control plane a few times). */
export const helperTimeoutMs = 60_000;

/**
 * Sends one JSON line to the agent's socket and reads its one-line answer (the agent closes the
 * connection after it). Null when the agent cannot be reached or does not answer in time.
 */
export function askAgent(socketPath: string, request: object, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    let buf = "";
    let sock: { end(): void } | null = null;
    const finish = (answer: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock?.end();
      } catch {
        // Already closed.
      }
      resolve(answer);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    Bun.connect({
      unix: socketPath,
      socket: {
        open(s) {
          sock = s;
          s.write(`${JSON.stringify(request)}\n`);
        },
        data(_s, data) {
          buf += data.toString();
          const nl = buf.indexOf("\n");
          if (nl >= 0) finish(buf.slice(0, nl));
        },
        close() {
          finish(buf.length > 0 ? buf : null);
        },
        error() {
          finish(null);
        },
        connectError() {
          finish(null);
        },
      },
    }).catch(() => finish(null));
  });
}

export interface HelperOutput {
  /** For git (the credential answer). */
  stdout: string;
  /** For the person: git passes the helper's stderr to the terminal. */
  stderr: string;
}

/**
 * `berth-agent git-credential <get|store|erase>`: asks the agent over its local socket, never the
 * network. `store` is ignored (nothing is kept); `erase` tells the agent a token was refused.
 * When there is no token to give, `quit=1` stops git from prompting for a password it cannot use.
 */
export async function runGitCredentialHelper(
  operation: CredentialOperation,
  input: string,
  socketPath: string,
  timeoutMs = helperTimeoutMs,
): Promise<HelperOutput> {
  if (operation === "store") return { stdout: "", stderr: "" };
  const attrs = parseCredentialRequest(input);
  const request: GitCredentialRequest = {
    kind: gitCredentialKind,
    operation,
    ...(attrs.protocol ? { protocol: attrs.protocol } : {}),
    ...(attrs.host ? { host: attrs.host } : {}),
    ...(operation === "erase" && attrs.password ? { password: attrs.password } : {}),
  };
  const line = await askAgent(socketPath, request, timeoutMs);
  if (operation === "erase") return { stdout: "", stderr: "" };
  if (line === null) {
    return {
      stdout: formatCredentialAnswer({ quit: "1" }),
      stderr: `Berth: the workspace agent does not answer at ${socketPath}; git cannot get GitHub credentials.\n`,
    };
  }
  let answer: GitCredentialAnswer;
  try {
    const parsed: unknown = JSON.parse(line);
    answer = parsed && typeof parsed === "object" ? (parsed as GitCredentialAnswer) : {};
  } catch {
    answer = { error: "Berth: the workspace agent gave an unreadable answer." };
  }
  if (typeof answer.error === "string") {
    return { stdout: formatCredentialAnswer({ quit: "1" }), stderr: `${answer.error}\n` };
  }
  if (typeof answer.password === "string" && typeof answer.username === "string") {
    const expiry = Math.floor(Date.parse(answer.expires_at ?? "") / 1000);
    return {
      stdout: formatCredentialAnswer({
        username: answer.username,
        password: answer.password,
        // git >= 2.41 stops using a password after this (older versions ignore the key).
        ...(Number.isFinite(expiry) ? { password_expiry_utc: String(expiry) } : {}),
      }),
      stderr: "",
    };
  }
  // Not the workspace's origin: let git carry on with its other helpers.
  return { stdout: "", stderr: "" };
}
