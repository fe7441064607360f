/**
 * A production build for tests, the header scan and the middleware bench, kept apart from `.next` (NEXT_DIST_DIR)
 * so it never disturbs a developer's `next dev` or the e2e build, plus a `next start` launcher.
 *
 * The build is reused while it is newer than every source file; concurrent callers serialize on a lock directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** Under .local/ (ignored by git, ESLint and tsc); tsconfig.json lists its types so `next build` leaves it alone. */
export const TEST_DIST_DIR = ".local/next-test";

const SOURCES = ["app", "lib", "components", "public", "middleware.ts", "next.config.ts", "instrumentation.ts", "package-lock.json"];
const LOCK_STALE_MS = 10 * 60_000;

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (target: string) => {
    if (!existsSync(target)) return;
    const stat = statSync(target);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(target)) visit(path.join(target, entry));
    } else if (!/\.test\.tsx?$/.test(target)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of SOURCES) visit(path.join(ROOT, source));
  return newest;
}

function isFresh(distDir: string): boolean {
  const buildId = path.join(ROOT, distDir, "BUILD_ID");
  return existsSync(buildId) && statSync(buildId).mtimeMs > newestSourceMtime();
}

function nextBin(): string {
  return createRequire(path.join(ROOT, "package.json")).resolve("next/dist/bin/next");
}

/** Environment for next build/start: the caller's, without vitest's NODE_ENV=test (Next needs "production"). */
function childEnv(extra: Record<string, string>, distDir: string): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
}

function run(args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin(), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        log(line);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next ${args.join(" ")} exited with ${code}:\n${tail.join("\n")}`))));
  });
}

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(ROOT, `${name}.lock`);
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the app into `distDir` unless an up-to-date build is already there. */
export async function ensureProductionBuild(options: { distDir?: string; log?: (line: string) => void } = {}): Promise<string> {
  const distDir = options.distDir ?? TEST_DIST_DIR;
  const log = options.log ?? (() => {});
  await withLock(distDir, async () => {
    if (isFresh(distDir)) return;
    log(`building the app into ${distDir} …`);
    // `npm test` type-checks as its own step; a build for tests must not fail on another file's work in progress.
    await run(["build"], childEnv({ NEXT_SKIP_TYPECHECK: "1" }, distDir), log);
  });
  return distDir;
}

export type NextServer = {
  url: string;
  port: number;
  /** Every stdout/stderr line so far (security events are JSON lines). */
  output: string[];
  stop(): Promise<void>;
};

/** `next start` on 127.0.0.1:port with the given app environment; resolves once it answers HTTP. */
export async function startNext(options: { port: number; env: Record<string, string>; distDir?: string; log?: (line: string) => void }): Promise<NextServer> {
  const distDir = options.distDir ?? TEST_DIST_DIR;
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [nextBin(), "start", "-p", String(options.port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: childEnv(options.env, distDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      options.log?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`next start exited early:\n${output.slice(-20).join("\n")}`);
    try {
      await fetch(`${url}/_next/static/not-a-file`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`next start did not answer within 60 s:\n${output.slice(-20).join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    port: options.port,
    output,
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
