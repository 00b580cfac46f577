import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as BerthEnv } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends BerthEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** SPKI PEM of GITHUB_APP_PRIVATE_KEY, exported by Node (not by the code under test). */
      TEST_GITHUB_APP_PUBLIC_KEY: string;
    }
  }
}
