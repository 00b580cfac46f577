/** Our own PTY: a controlling terminal, input that never blocks the agent, hangup when the agent dies. */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Pty } from "../../src/terminal/pty.ts";
import { testShell } from "./helpers.ts";

const open: Pty[] = [];
afterEach(() => {
  for (const p of open.splice(0)) {
    p.kill("SIGKILL");
    p.close();
  }
});

function shell(): { pty: Pty; output: () => string } {
  let text = "";
  const decoder = new TextDecoder();
  const pty = new Pty({ ...testShell, cols: 100, rows: 30, onData: (b) => (text += decoder.decode(b)) });
  open.push(pty);
  return { pty, output: () => text };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 1000) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
}

test("the program runs as a session leader on its own controlling terminal, with the size we set", async () => {
  const { pty, output } = shell();
  await until(() => output().includes("PROMPT$ "), "prompt");
  pty.write("echo tty=$(tty) sid=$(ps -o sid= -p $$) size=$(stty size)\r");
  await until(() => /tty=\/dev\/pts\/\d+ sid=\s*\d+ size=30 100/.test(output()), "tty report");
  expect(output()).toMatch(new RegExp(`sid=\\s*${pty.pid} `));
});

test("a huge paste into a program that does not read its input never blocks the agent", async () => {
  const stuck = shell();
  await until(() => stuck.output().includes("PROMPT$ "), "prompt");
  stuck.pty.write("sleep 600\r");
  // Far more than the kernel's input queue holds while nobody reads it.
  stuck.pty.write("x".repeat(4 * 1024 * 1024));
  const other = shell();
  await until(() => other.output().includes("PROMPT$ "), "second prompt");
  other.pty.write("echo still-$((40+2))\r");
  await until(() => other.output().includes("still-42"), "the other tab answering");
});

test("when the agent dies, its shells get the hangup (no orphaned terminals)", async () => {
  const script = join(import.meta.dir, "fixtures", "pty-then-die.ts");
  const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
  const shellPid = Number((await new Response(child.stdout).text()).trim());
  await child.exited;
  expect(shellPid).toBeGreaterThan(0);
  await until(() => !alive(shellPid), "the orphaned shell to exit");
});
