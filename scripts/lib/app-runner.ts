/**
 * Shared start-up for `npm run dev`, `npm start` and the e2e web server:
 *   load .env files → validate configuration → start the local stack unless hosted services are configured →
 *   seed demo users (local only) → spawn `next dev|start` → stop everything on Ctrl-C / SIGTERM.
 *
 * scripts/ may import local/ (only app/ and lib/ must not).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import nextEnv from "@next/env";
import { EnvError, parseServerEnv } from "@/lib/env";
import { startLocalStack, type LocalStack } from "@/local/stack";
import { parsePortOffset } from "@/local/ports";
import { DEMO_USERS, seedDemoUsers } from "@/scripts/seed";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export type RunMode = "dev" | "start";

export type RunOptions = {
  mode: RunMode;
  /** App port; default PORT or 3000 + LOCAL_PORT_OFFSET. */
  port?: number;
  /** Host name next binds to (default: Next's default, all interfaces). */
  hostname?: string;
  /** Port offset for the local stack; default LOCAL_PORT_OFFSET. */
  portOffset?: number;
  /** Data directory for the local stack (default: the stack's own, .local/). */
  dataDir?: string;
  /** Always start the local stack, ignoring hosted configuration from the environment and .env files (e2e). */
  forceLocalStack?: boolean;
  /** Throwaway stack for tests: no fsync, private Redis (see runApp). */
  ephemeral?: boolean;
  /** Shut down when the launching process (e.g. Playwright) disappears without signalling us. */
  exitWithLauncher?: boolean;
  /** Print the banner with URLs and demo credentials. */
  banner?: boolean;
};

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Prints a one-line configuration error and exits non-zero (no stack trace). */
export function fail(message: string): never {
  // Synchronous: process.stderr on a pipe is asynchronous and process.exit() could drop the line.
  writeSync(2, `${message}\n`);
  process.exit(1);
}

function validate(env: Record<string, string | undefined>): void {
  try {
    parseServerEnv(env);
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
}

/** Values the local stack will provide; used to check the user's own variables before anything starts. */
const STACK_PLACEHOLDERS = {
  DATABASE_URL: "postgres://placeholder@127.0.0.1:1/placeholder",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
  UPSTASH_REDIS_REST_TOKEN: "placeholder",
};

function nextBin(): string {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve("next/package.json")), "dist/bin/next");
  if (!existsSync(bin)) fail("Cannot find the next binary: run `npm install` first.");
  return bin;
}

export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) {
    try {
      const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      if (response.status < 500) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Parent pid of `pid` (Linux /proc), or null. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/**
 * Calls `onGone` when the process that launched us goes away (we or our tsx wrapper get re-parented), so a killed
 * test runner never leaves a stack and a `next start` behind. No-op where /proc is unavailable.
 */
function watchLauncher(onGone: () => void): void {
  const wrapper = process.ppid;
  const launcher = parentOf(wrapper);
  if (launcher === null) return;
  const timer = setInterval(() => {
    if (process.ppid !== wrapper || parentOf(wrapper) !== launcher) {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}

export async function runApp(options: RunOptions): Promise<void> {
  const started = Date.now();
  nextEnv.loadEnvConfig(ROOT, options.mode === "dev", { info: () => {}, error: (...args: unknown[]) => console.error(...args) });

  if (options.forceLocalStack) {
    for (const name of ["NEXT_PUBLIC_SUPABASE_URL", "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY", "SUPABASE_SECRET_KEY", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"]) {
      delete process.env[name];
    }
  }

  let offset: number;
  try {
    offset = options.portOffset ?? parsePortOffset(process.env.LOCAL_PORT_OFFSET);
  } catch (error) {
    fail((error as Error).message);
  }
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000 + offset);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`Configuration error: PORT is invalid. Set it to a TCP port number.`);

  const hosted = Boolean(process.env.NEXT_PUBLIC_SUPABASE_URL?.trim());
  let stack: LocalStack | undefined;
  let childEnv: Record<string, string | undefined>;

  if (hosted) {
    // Configured services (hosted Supabase + Upstash, or a stack started elsewhere): nothing local starts.
    validate(process.env);
    childEnv = { ...process.env };
  } else {
    const siteUrl = process.env.NEXT_PUBLIC_SITE_URL?.trim() || `http://${options.hostname ?? "localhost"}:${port}`;
    validate({ ...STACK_PLACEHOLDERS, ...process.env, NEXT_PUBLIC_SITE_URL: siteUrl });
    log(`Starting the local stack (port offset ${offset})…`);
    try {
      stack = await startLocalStack({
        portOffset: offset,
        dataDir: options.dataDir ?? (process.env.LOCAL_DATA_DIR?.trim() || undefined),
        siteUrl,
        log: (line) => log(`  ${line}`),
        // Every auth mail links to the app's scanner-safe /auth/confirm (token_hash links), like the product's
        // Supabase email templates (docs/operations.md).
        authEnv: { GOTRUE_MAILER_LINK_STYLE: process.env.GOTRUE_MAILER_LINK_STYLE?.trim() || "token_hash" },
        ...(options.ephemeral
          ? {
              ephemeral: true,
              // A Redis URL nobody answers on makes local/upstash fall back to a private redis-server (or its in-process
              // store): rate-limit and block counters of earlier runs in a shared Redis cannot leak into this run.
              redisUrl: "redis://127.0.0.1:1",
            }
          : {}),
      });
    } catch (error) {
      fail(`Local stack failed to start: ${(error as Error).message}`);
    }
    childEnv = { ...process.env, ...stack.env, NEXT_PUBLIC_SITE_URL: siteUrl };
    validate(childEnv);
    try {
      await seedDemoUsers(childEnv, log);
    } catch (error) {
      await stack.stop().catch(() => {});
      fail(`Seeding demo users failed: ${(error as Error).message}`);
    }
  }

  const args = [nextBin(), options.mode, "--port", String(port)];
  if (options.hostname) args.push("--hostname", options.hostname);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...childEnv, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" } as unknown as NodeJS.ProcessEnv,
    stdio: "inherit",
  });

  let stopping = false;
  let childExited = false;
  const childExit = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      childExited = true;
      resolve(code ?? (signal ? 1 : 0));
    });
  });

  async function shutdown(code: number): Promise<never> {
    if (stopping) return new Promise<never>(() => {});
    stopping = true;
    if (!childExited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await childExit;
      clearTimeout(timer);
    }
    if (stack) {
      log("Stopping the local stack…");
      await stack.stop().catch((error: Error) => process.stderr.write(`Local stack did not stop cleanly: ${error.message}\n`));
    }
    process.exit(code);
  }

  if (options.exitWithLauncher) watchLauncher(() => void shutdown(1));
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));
  process.on("SIGHUP", () => void shutdown(129));
  void childExit.then((code) => {
    if (!stopping) void shutdown(code);
  });

  const appUrl = `http://${options.hostname ?? "localhost"}:${port}`;
  const ready = await waitForHttp(`${appUrl}/login`, 120_000, () => !childExited);
  if (!ready || childExited) return;
  if (options.banner === false) return;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    "",
    `Ready in ${seconds}s — app: ${appUrl}`,
    stack ? `  Mail catcher: ${stack.urls.mailUi}` : `  Using configured services (${process.env.NEXT_PUBLIC_SUPABASE_URL})`,
    ...(stack
      ? [`  Supabase Auth: ${stack.urls.auth}`, "  Demo accounts:", ...DEMO_USERS.map((u) => `    ${u.email} / ${u.password}${u.role ? ` (${u.role})` : ""}`)]
      : []),
    "  Press Ctrl-C to stop.",
    "",
  ];
  log(lines.join("\n"));
  if (options.mode === "dev") {
    // Compile the routes of the first sign-in in the background, so the first click does not wait for Turbopack.
    for (const route of ["/auth/v1/settings", "/account", "/api/health"]) {
      void fetch(`${appUrl}${route}`, { redirect: "manual", signal: AbortSignal.timeout(120_000) })
        .then((response) => response.body?.cancel())
        .catch(() => {});
    }
  }
}
