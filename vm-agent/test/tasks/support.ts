import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fakeBin, git, makeRepo } from "../boot/helpers.ts";
import { fakeControlPlane, type Recorded, type Responder } from "../control-plane/fake.ts";

/**
 * A stand-in `claude` for the task loop's own tests (the real CLI has its own test): it keeps its
 * stdin (the prompt) and argv in files, prints stream-json lines like Claude Code's, and behaves as
 * FAKE_CLAUDE says: "edit" writes a file through a "Write" tool, "sleep" hangs with a child
 * process, "fail" exits 3.
 */
export const fakeClaudeScript = String.raw`
dir="$FAKE_CLAUDE_DIR"
n=$(ls "$dir" | grep -c '^prompt' || true)
cat > "$dir/prompt$n"
printf '%s\n' "$@" > "$dir/argv$n"
printf '%s' "$ANTHROPIC_API_KEY" > "$dir/key$n"
sid=11111111-2222-3333-4444-555555555555
echo '{"type":"system","subtype":"init","cwd":"'"$PWD"'","session_id":"'$sid'","tools":["Write"],"model":"claude-test","permissionMode":"acceptEdits"}'
case "$FAKE_CLAUDE" in
edit)
  echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Writing the file."}]},"session_id":"'$sid'"}'
  echo '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"'"$PWD"'/out'$n'.txt","content":"made by turn '$n'\n"}}]},"session_id":"'$sid'"}'
  printf 'made by turn %s\n' "$n" > "out$n.txt"
  echo '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"File created successfully"}]},"session_id":"'$sid'"}'
  echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Wrote out'$n'.txt."}]},"session_id":"'$sid'"}'
  echo '{"type":"result","subtype":"success","is_error":false,"result":"Wrote out'$n'.txt.","session_id":"'$sid'","total_cost_usd":0.0125,"usage":{"input_tokens":1200,"output_tokens":34,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}'
  ;;
sleep)
  sleep 1000 &
  echo $! > "$dir/child.pid"
  echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Thinking for a long time."}]},"session_id":"'$sid'"}'
  wait
  ;;
fail)
  echo "boom: the model exploded" >&2
  exit 3
  ;;
esac
`;

export async function fakeClaude(binDir: string): Promise<void> {
  await fakeBin(binDir, "claude", fakeClaudeScript);
}

/** A clone of a repo whose origin is a bare repo on disk (pushes need no credentials). */
export async function cloneWithOrigin(root: string): Promise<{ dir: string; bare: string }> {
  const work = await makeRepo(root);
  const bare = join(root, "origin.git");
  await git(root, "clone", "-q", "--bare", work, bare);
  const dir = join(root, "workspace");
  await git(root, "clone", "-q", bare, dir);
  await mkdir(join(root, "run"), { recursive: true });
  return { dir, bare };
}

export interface TaskEventBody {
  task_id: string;
  events: Array<{ seq: number; turn: number; kind: string; text: string; [k: string]: unknown }>;
}

/** A control plane for tasks: takes events and results, hands out the follow-ups a test queues. */
export function taskControlPlane(opts: { failEvents?: number; routes?: Record<string, Responder> } = {}) {
  const messages: Array<{ seq: number; text: string; at: string }> = [];
  let failures = opts.failEvents ?? 0;
  const accepted: TaskEventBody[] = [];
  const cp = fakeControlPlane({
    messages: () => Response.json({ task_id: "t1", messages }),
    events: (r: Recorded) => {
      if (failures > 0) {
        failures--;
        return Response.json({ error: { code: "unavailable", message: "busy" } }, { status: 503 });
      }
      accepted.push(r.body as TaskEventBody);
      return Response.json({ ok: true });
    },
    ...opts.routes,
  });
  return {
    ...cp,
    messages,
    /** The batches the control plane took (after any it refused). */
    accepted,
    /** Every event taken, once per seq, in seq order. */
    events: () => {
      const bySeq = new Map<number, TaskEventBody["events"][number]>();
      for (const b of accepted) for (const e of b.events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    },
    results: () => cp.of("result").map((r) => r.body as Record<string, unknown>),
  };
}

export async function waitFor<T>(
  what: string,
  f: () => T | Promise<T>,
  timeoutMs = 60_000,
): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as Exclude<T, false | null | undefined | 0 | "">;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}
