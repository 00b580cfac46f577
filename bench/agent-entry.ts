/**
 * The agent under benchmark, in its own Bun process so its RSS and CPU are the agent's alone.
 * Reads its options from BENCH_AGENT (JSON), prints `{"port":N}` once listening.
 */
import { startAgentHttpServer } from "../vm-agent/src/http/server.ts";

const opts = JSON.parse(process.env.BENCH_AGENT ?? "{}");
const server = await startAgentHttpServer({
  config: opts.config,
  shell: opts.shell,
  onHumanInput() {},
  getStatus: () => ({ state: "bench" }),
});
console.log(JSON.stringify({ port: server.port }));
process.on("SIGTERM", () => {
  void server.stop().finally(() => process.exit(0));
});
