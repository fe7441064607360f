import { defineConfig, devices } from "@playwright/test";
import { e2ePorts } from "./tests/e2e/ports";

const { appPort } = e2ePorts();
const baseURL = `http://127.0.0.1:${appPort}`;
const CI = Boolean(process.env.CI);

/**
 * E2E: Debian's Chromium (/usr/bin/chromium; Playwright never downloads browsers here), flags that work without
 * network or GPU. The web server is scripts/e2e-server.ts: a throwaway local stack + `next start` on the last build.
 */
export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: CI ? [["list"], ["html", { open: "never" }]] : [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    // `node --import tsx` (no tsx wrapper process): signals reach the server directly, so it always stops its stack.
    command: "node --import tsx scripts/e2e-server.ts",
    url: `${baseURL}/login`,
    timeout: 180_000,
    reuseExistingServer: !CI && process.env.E2E_REUSE_SERVER === "1",
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
  },
});
