import { readdirSync, readFileSync } from "node:fs";

/** Pids whose /proc/<pid>/cmdline contains `text` (every process on this machine, containers' too). */
export function processesWithOnCommandLine(text: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
