/**
 * The agent under benchmark, in its own Bun process so its RSS and CPU are the agent's alone.
 * Reads its options from BENCH_AGENT (JSON), prints `{"port":N}` once listening.
 */
import { startAgentHttpServer } from "../vm-agent/src/http/server.ts";
// Every module the shipped `berth-agent serve` loads (config, control plane, boot, idle, hooks),
// though only the HTTP server runs: the RSS then counts what the real binary has loaded.
import * as realAgent from "../vm-agent/src/serve.ts";
import { releaseBinaryPages } from "../vm-agent/src/sys/resident.ts";

if (typeof realAgent.serve !== "function") throw new Error("the agent's serve() is missing");

const opts = JSON.parse(process.env.BENCH_AGENT ?? "{}");
const server = await startAgentHttpServer({
  config: opts.config,
  shell: opts.shell,
  onHumanInput() {},
  getStatus: () => ({ state: "bench" }),
});
// As serve() does once the agent is up: the pages starting touched go back to the kernel.
await releaseBinaryPages();
console.log(JSON.stringify({ port: server.port }));
process.on("SIGTERM", () => {
  void server.stop().finally(() => process.exit(0));
});
