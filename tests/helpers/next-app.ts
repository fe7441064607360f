// Production Next.js instances for integration tests (H5): one build in its own dist dir (rebuilt when sources are
// newer than it), any number of `next start` processes on the stack's env.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { StackEnv } from "@/tests/helpers/stack";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SOURCES = ["app", "lib", "components", "middleware.ts", "next.config.ts", "instrumentation.ts", "package-lock.json"];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

function nextBin(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("next/package.json")), "dist/bin/next");
}

/** Builds into `distDir` unless an up-to-date build is there. */
export function ensureBuild(distDir: string): void {
  const buildId = path.join(ROOT, distDir, "BUILD_ID");
  const sourcesMtime = Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (existsSync(buildId) && statSync(buildId).mtimeMs > sourcesMtime) return;
  const result = spawnSync(process.execPath, [nextBin(), "build"], {
    cwd: ROOT,
    env: { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    encoding: "utf8",
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface NextInstance {
  url: string;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startNext(opts: { distDir: string; port: number; env: StackEnv; extraEnv?: Record<string, string> }): Promise<NextInstance> {
  const url = `http://127.0.0.1:${opts.port}`;
  let out = "";
  const child: ChildProcess = spawn(process.execPath, [nextBin(), "start", "--port", String(opts.port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...opts.env,
      NEXT_PUBLIC_SITE_URL: url,
      NEXT_DIST_DIR: opts.distDir,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...opts.extraEnv,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      if (res.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not come up on ${url}:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port: opts.port,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
