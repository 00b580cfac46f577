import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The bundle test runs the real wrangler (esbuild): give it room on a shared machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
