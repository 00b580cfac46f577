import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../scripts/build.ts";
import { gitCredentialKind } from "../../src/git/channel.ts";
import { startHookServer } from "../../src/hooks/server.ts";

// The binary bundles the terminal half (src/http/server.ts); until it exists there is nothing to build.
const terminalHalf = existsSync(join(import.meta.dir, "..", "..", "src", "http", "server.ts"));

describe("compiled binary", () => {
  test.skipIf(!terminalHalf)(
    "builds for x64; version works and hook exits 0 fast with no daemon",
    async () => {
      const out = await mkdtemp(join(tmpdir(), "berth-build-"));
      try {
        const [bin] = await build(["x64"], out);
        if (!bin) throw new Error("nothing built");
        expect(bin.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(bin.bytes).toBeGreaterThan(10_000_000);
        if (process.arch !== "x64") return;
        const v = Bun.spawnSync([bin.path, "version"]);
        expect(v.stdout.toString().trim()).toBe("berth-agent 0.1.0");
        const t = Date.now();
        const h = Bun.spawnSync([bin.path, "hook", "Stop"], {
          stdin: new TextEncoder().encode('{"hook_event_name":"Stop"}'),
          env: { ...process.env, BERTH_AGENT_SOCKET: join(out, "none.sock") },
        });
        expect(h.exitCode).toBe(0);
        expect(Date.now() - t).toBeLessThan(1500);

        // git's credential helper, as git in the devcontainer runs the mounted binary.
        const sock = await startHookServer(join(out, "agent.sock"), () => {}, undefined, {
          [gitCredentialKind]: async (r) =>
            r.host === "github.com" ? { username: "x-access-token", password: "ghs_compiled" } : {},
        });
        try {
          const g = Bun.spawn([bin.path, "git-credential", "--socket", sock.path, "get"], {
            stdin: new TextEncoder().encode("protocol=https\nhost=github.com\n\n"),
            stdout: "pipe",
          });
          expect(await new Response(g.stdout).text()).toBe(
            "username=x-access-token\npassword=ghs_compiled\n",
          );
          expect(await g.exited).toBe(0);
        } finally {
          await sock.stop();
        }
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
