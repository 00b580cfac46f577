import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `vite` (dev) proxies /api to the Worker so the session cookie stays same-origin.
const apiTarget = process.env.BERTH_API_URL ?? "http://localhost:8787";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/api": { target: apiTarget, changeOrigin: false } } },
  test: { environment: "happy-dom", include: ["test/**/*.test.{ts,tsx}"] },
});
