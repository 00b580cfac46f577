import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as BerthEnv } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends BerthEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
