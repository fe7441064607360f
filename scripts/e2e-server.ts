/**
 * Web server for Playwright: a throwaway local stack (its own data dir under .local/) and `next start` on
 * 127.0.0.1:E2E_PORT, with the demo accounts seeded. Playwright stops it with SIGTERM.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { ROOT, runApp } from "@/scripts/lib/app-runner";
import { e2ePorts } from "@/tests/e2e/ports";

const { appPort, stackOffset } = e2ePorts();
const dataDir = path.join(ROOT, ".local", `e2e-${stackOffset}`);
rmSync(dataDir, { recursive: true, force: true });

// The e2e run always uses its own local stack (forceLocalStack), even when a developer's .env points elsewhere.
process.env.NEXT_PUBLIC_SITE_URL = `http://127.0.0.1:${appPort}`;
// As behind one proxy: tests send X-Forwarded-For per test (tests/e2e/fixtures.ts) so per-IP limits and blocks do
// not leak from one test into the next.
process.env.TRUSTED_PROXY_HOPS ??= "1";

await runApp({ mode: "start", port: appPort, hostname: "127.0.0.1", portOffset: stackOffset, dataDir, banner: false, forceLocalStack: true, ephemeral: true, exitWithLauncher: true });
