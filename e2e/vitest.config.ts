import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One whole system on fixed local ports: one file at a time, generous timeouts.
    fileParallelism: false,
    globalSetup: ["./src/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 180_000,
  },
});
