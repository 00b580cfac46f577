import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeHookEvents } from "@berth/protocol";
import { forwardHook, runHookCommand } from "../../src/hooks/client.ts";
import { hookMessage, parseHookLine } from "../../src/hooks/message.ts";
import { startHookServer } from "../../src/hooks/server.ts";
import { claudeHooks, mergeClaudeSettings } from "../../src/hooks/settings.ts";
import type { HookInput } from "../../src/idle/policy.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), "berth-hooks-"));
  dirs.push(d);
  return d;
}

describe("hook messages", () => {
  test("keeps only the small fields; the JSON's event name wins", () => {
    const stdin = JSON.stringify({
      hook_event_name: "Notification",
      session_id: "abc",
      notification_type: "permission_prompt",
      message: "Claude needs your permission to use Bash",
      tool_input: { content: "x".repeat(100_000) },
    });
    const m = hookMessage("Stop", stdin);
    expect(m).toEqual({
      event: "Notification",
      session_id: "abc",
      notification_type: "permission_prompt",
      tool_name: null,
    });
    expect(JSON.stringify(m).length).toBeLessThan(200);
  });

  test("garbage stdin still reports the event from the argument", () => {
    expect(hookMessage("Stop", "not json").event).toBe("Stop");
    expect(parseHookLine(JSON.stringify(hookMessage("Stop", "")))).toEqual({
      event: "Stop",
      sessionId: "unknown",
      notificationType: null,
    });
  });

  test("unknown events and bad lines are ignored by the daemon", () => {
    expect(parseHookLine('{"event":"Bogus"}')).toBeNull();
    expect(parseHookLine("{")).toBeNull();
    expect(parseHookLine("[]")).toBeNull();
  });
});

describe("hook socket", () => {
  test("events travel over a real Unix socket into the daemon", async () => {
    const dir = await tempDir();
    const got: HookInput[] = [];
    const server = await startHookServer(join(dir, "run", "agent.sock"), (h) => got.push(h));
    expect((await stat(server.path)).mode & 0o777).toBe(0o666);
    const ok = await forwardHook(hookMessage("PreToolUse", '{"session_id":"s1","tool_name":"Bash"}'), {
      socketPath: server.path,
    });
    expect(ok).toBe(true);
    await forwardHook(hookMessage("Bogus", "{}"), { socketPath: server.path });
    expect(got).toEqual([{ event: "PreToolUse", sessionId: "s1", notificationType: null }]);
    await server.stop();
  });

  test("a stale socket file from a crash does not stop the daemon", async () => {
    const dir = await tempDir();
    const path = join(dir, "agent.sock");
    const a = await startHookServer(path, () => {});
    // Simulate SIGKILL: the file stays behind.
    const b = await startHookServer(path, () => {});
    expect(await forwardHook(hookMessage("Stop", "{}"), { socketPath: path })).toBe(true);
    await b.stop();
    await a.stop();
  });

  test("no daemon: forwarding fails fast and quietly", async () => {
    const dir = await tempDir();
    const t = Date.now();
    expect(await forwardHook(hookMessage("Stop", "{}"), { socketPath: join(dir, "none.sock") })).toBe(false);
    expect(await runHookCommand("Stop", join(dir, "none.sock"))).toBe(false);
    expect(Date.now() - t).toBeLessThan(1500);
  });

  test("a daemon that never answers is abandoned at the timeout", async () => {
    const dir = await tempDir();
    const path = join(dir, "mute.sock");
    const mute = Bun.listen({ unix: path, socket: { data() {} } });
    const t = Date.now();
    expect(await forwardHook(hookMessage("Stop", "{}"), { socketPath: path, timeoutMs: 300 })).toBe(false);
    expect(Date.now() - t).toBeLessThan(800);
    mute.stop(true);
  });
});

describe("Claude settings", () => {
  test("one command hook per event, tool events match all tools", () => {
    const hooks = claudeHooks(["/usr/local/bin/berth-agent"]);
    expect(Object.keys(hooks)).toEqual([...claudeHookEvents]);
    expect(hooks.PreToolUse).toEqual([
      {
        matcher: "*",
        hooks: [{ type: "command", command: "/usr/local/bin/berth-agent hook PreToolUse", timeout: 5 }],
      },
    ]);
    expect(hooks.Stop).toEqual([
      { hooks: [{ type: "command", command: "/usr/local/bin/berth-agent hook Stop", timeout: 5 }] },
    ]);
    expect(claudeHooks(["/opt/my dir/bun", "/x/vm-agent/src/cli.ts"]).Stop?.[0]?.hooks[0]?.command).toBe(
      "'/opt/my dir/bun' /x/vm-agent/src/cli.ts hook Stop",
    );
  });

  test("merging keeps the person's settings and replaces our old entries", () => {
    const theirs = {
      model: "opus",
      hooks: {
        Stop: [{ hooks: [{ type: "command", command: "say done" }] }],
        PreToolUse: [
          { matcher: "*", hooks: [{ type: "command", command: "/old/berth-agent hook PreToolUse" }] },
        ],
      },
    };
    const ours = claudeHooks(["/usr/local/bin/berth-agent"]);
    const merged = mergeClaudeSettings(theirs, ours);
    const again = mergeClaudeSettings(merged, ours);
    expect(again).toEqual(merged);
    const hooks = merged.hooks as Record<string, unknown[]>;
    expect(merged.model).toBe("opus");
    expect(hooks.Stop).toHaveLength(2);
    expect(hooks.PreToolUse).toEqual(ours.PreToolUse as unknown[]);
    expect(mergeClaudeSettings("garbage", ours).hooks).toEqual(ours);
  });
});
