import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { signAppJwt } from "../src/github/app-key.ts";
import type { LocalCloud } from "../src/index.ts";

const execFileP = promisify(execFile);

/** A fresh App JWT for the stand-in's App (iat 60 s back, 9 minutes ahead, as GitHub advises). */
export function appJwt(cloud: LocalCloud, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signAppJwt(cloud.githubApp.key.pem, {
    iat: now - 60,
    exp: now + 540,
    iss: cloud.githubApp.id,
    ...claims,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are loosely typed JSON
export type Json = any;

export function githubApi(cloud: LocalCloud) {
  return async (method: string, path: string, auth?: string, body?: unknown) => {
    const headers: Record<string, string> = { accept: "application/vnd.github+json" };
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${cloud.urls.github}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json: Json = text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: res.headers, json };
  };
}

export function control(cloud: LocalCloud) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cloud.urls.github}/__berth/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
  };
}

/** Mints an installation token the way the control plane does: JWT -> installation -> access_tokens. */
export async function mintToken(
  cloud: LocalCloud,
  account: string,
  body: Record<string, unknown> = {},
): Promise<{ token: string; expires_at: string }> {
  const api = githubApi(cloud);
  const jwt = appJwt(cloud);
  const inst = await api("GET", `/users/${account}/installation`, jwt);
  if (inst.status !== 200) throw new Error(`no installation on ${account}: ${inst.status}`);
  const res = await api("POST", `/app/installations/${inst.json.id}/access_tokens`, jwt, body);
  if (res.status !== 201) throw new Error(`access_tokens: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/**
 * Runs git with a token passed the way Berth's helper does: a credential helper that reads it
 * from the environment, so it is never in a URL or on a command line. No user or system config.
 */
export class GitClient {
  readonly home = mkdtempSync(join(tmpdir(), "berth-git-client-"));
  private readonly helper = join(this.home, "credential-helper.sh");

  constructor() {
    writeFileSync(
      this.helper,
      '#!/bin/sh\n[ "$1" = get ] || exit 0\n[ -n "$TEST_GIT_TOKEN" ] || exit 0\nprintf \'username=x-access-token\\npassword=%s\\n\' "$TEST_GIT_TOKEN"\n',
    );
    chmodSync(this.helper, 0o700);
  }

  async run(
    args: string[],
    opts: { cwd?: string; token?: string } = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.home,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      GIT_AUTHOR_NAME: "Alice Liddell",
      GIT_AUTHOR_EMAIL: "1001+alice@users.noreply.github.com",
      GIT_COMMITTER_NAME: "Alice Liddell",
      GIT_COMMITTER_EMAIL: "1001+alice@users.noreply.github.com",
      ...(opts.token ? { TEST_GIT_TOKEN: opts.token } : {}),
    };
    try {
      const { stdout, stderr } = await execFileP(
        "git",
        ["-c", `credential.helper=${this.helper}`, "-c", "init.defaultBranch=main", ...args],
        { env, cwd: opts.cwd ?? this.home },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === "number" ? e.code : 1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      };
    }
  }

  dir(name: string): string {
    return join(this.home, name);
  }
}
