/**
 * Vitest globalSetup for the `integration` project: starts the local stack ONCE per run and provides its env.
 * - LOCAL_PORT_OFFSET shifts every port (so several people/runs do not collide).
 * - Data in a throwaway `.local/test-<offset>` directory, wiped at every start.
 * - DATABASE_URL set → that database is used (no embedded PostgreSQL); REDIS_URL set → Upstash endpoint uses that Redis.
 *   Without REDIS_URL the shared Redis on 6379 is used with its own DB number per offset (1 + offset/1000 mod 15),
 *   so test runs of different offsets do not see each other's keys. Tests still use unique key prefixes and
 *   never FLUSHALL.
 * - LOCAL_STACK_VERBOSE=1 prints the stack's progress lines.
 */
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { testPortOffset } from "@/tests/helpers/port-offset";
import { startLocalStack } from "@/local/stack";
// Type-only: brings in the `ProvidedContext` declaration for `stackEnv` (erased at run time).
import type {} from "@/tests/helpers/stack";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

/**
 * A run killed with SIGKILL leaves its throwaway postgres running, re-parented to init: stop it (same test data dir,
 * so it is ours). A postmaster whose parent is still alive belongs to a live run and is left alone.
 */
async function stopLeftoverPostgres(pgDir: string): Promise<void> {
  const pidFile = resolve(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  let ppid = 0;
  try {
    ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
  } catch {
    throw new Error(`PostgreSQL pid ${pid} still runs on ${pgDir}; stop it (kill -INT ${pid}) or use a different LOCAL_PORT_OFFSET`);
  }
  if (ppid !== 1) {
    throw new Error(
      `another test run is using ${pgDir} (PostgreSQL pid ${pid}); wait for it or use a different LOCAL_PORT_OFFSET`,
    );
  }
  process.stderr.write(`[local-stack] stopping a leftover test PostgreSQL (pid ${pid}) from an earlier run\n`);
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const offset = testPortOffset();
  const dataDir = resolve(root, `.local/test-${offset}`);
  await stopLeftoverPostgres(resolve(dataDir, "postgres"));
  await rm(dataDir, { recursive: true, force: true });
  const lines: string[] = [];
  const verbose = process.env.LOCAL_STACK_VERBOSE === "1";
  const log = (line: string) => {
    lines.push(line);
    if (verbose) process.stderr.write(`[local-stack] ${line}\n`);
  };
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:6379/${1 + (Math.floor(offset / 1000) % 15)}`;
  const t0 = performance.now();
  let stack;
  try {
    stack = await startLocalStack({ portOffset: offset, dataDir, log, ephemeral: true, redisUrl });
  } catch (err) {
    process.stderr.write(`[local-stack] failed to start: ${(err as Error).message}\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
    throw err;
  }
  if (!verbose) {
    process.stderr.write(`[local-stack] ready in ${((performance.now() - t0) / 1000).toFixed(1)}s (offset ${offset}, upstash: ${stack.upstashBackend})\n`);
  }
  project.provide("stackEnv", stack.env);
  return async () => {
    await stack.stop();
  };
}
