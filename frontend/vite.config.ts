/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { bundleBudget } from "./budget.ts";

// `make ui`: the dev server on :5173 proxies the API (API_URL, default the local `fibonacco serve`).
const api = process.env.API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), bundleBudget()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: Object.fromEntries(["/api", "/health", "/files"].map((path) => [path, { target: api, changeOrigin: true }])),
  },
  build: {
    sourcemap: false,
    chunkSizeWarningLimit: 500,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    testTimeout: 30_000, // the machines are shared and slow; a test that fails, fails on its assertion
    css: false,
  },
});
