import { defineConfig, devices } from "@playwright/test";

// Runs against a real `fibonacco serve` (and worker) started by tests/e2e/test_browser.py, which passes
// E2E_BASE_URL and the seeded owner's credentials. Debian's Chromium: Playwright cannot download browsers here.
const baseURL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:8000";
export const AUTH_STATE = "e2e-artifacts/.auth/owner.json";

const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e-artifacts/results",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 2 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: { baseURL, trace: "on-first-retry", screenshot: "only-on-failure" },
  projects: [
    { name: "setup", testMatch: /login\.setup\.ts/, use: chromium },
    {
      name: "desktop",
      testMatch: /\.spec\.ts/,
      dependencies: ["setup"],
      use: { ...chromium, viewport: { width: 1280, height: 800 }, storageState: AUTH_STATE },
    },
    {
      name: "mobile",
      testMatch: /pages\.spec\.ts/,
      dependencies: ["setup"],
      use: { ...chromium, viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, storageState: AUTH_STATE },
    },
  ],
});
