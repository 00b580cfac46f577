/**
 * The real terminal half for browser tests: startAgentHttpServer with a real PTY bash in a temp
 * dir, a fresh ES256 key pair, and a `<id>.localhost` hostname (Chromium resolves *.localhost to
 * loopback by itself, and the agent treats it as local: plain http, non-Secure cookie).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentHttpServer, startAgentHttpServer } from "../../src/http/server.ts";
import { makeKeys, mintToken, testConfig } from "../terminal/helpers.ts";

export const webWorkspaceId = "wsweb1";

export interface WebAgent {
  server: AgentHttpServer;
  /** The shell's working directory (also its HOME). */
  dir: string;
  /** The page's URL without a token, e.g. http://wsweb1.localhost:PORT/ */
  base: string;
  /** The page's URL with a freshly minted terminal token. */
  tokenUrl(opts?: { aud?: string; expiresIn?: number }): Promise<string>;
  humanInputs: { count: number };
  stop(): Promise<void>;
}

export async function startWebAgent(): Promise<WebAgent> {
  const dir = await mkdtemp(join(tmpdir(), "berth-web-"));
  const keys = await makeKeys();
  const humanInputs = { count: 0 };
  const server = await startAgentHttpServer({
    config: { ...testConfig(keys), workspace_id: webWorkspaceId, hostname: `${webWorkspaceId}.localhost` },
    // A plain bash with a fixed prompt and no rc files, so screens are predictable.
    shell: {
      command: ["bash", "--noprofile", "--norc", "-i"],
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        PS1: "PROMPT$ ",
        LANG: "C.UTF-8",
      },
    },
    onHumanInput: () => humanInputs.count++,
    getStatus: () => ({ state: "ok" }),
  });
  const base = `http://${webWorkspaceId}.localhost:${server.port}/`;
  return {
    server,
    dir,
    base,
    humanInputs,
    async tokenUrl(opts = {}) {
      const token = await mintToken(keys.privateKey, { ...opts, aud: opts.aud ?? webWorkspaceId });
      return `${base}?token=${token}`;
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
