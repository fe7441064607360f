/**
 * Runs the local stack in its own process for benchmarks (so the load generator does not share its event loop with
 * the auth server and the Upstash stand-in). Prints one JSON line with the stack env, stops when stdin closes.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StackEnv } from "@/local/stack";

export async function startStackProcess(offset: number, root: string): Promise<{ env: StackEnv; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_STACK_ROLE: "child", BENCH_STACK_OFFSET: String(offset), BENCH_STACK_ROOT: root },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const env = await new Promise<StackEnv>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      if (line.startsWith("{")) resolve(JSON.parse(line) as StackEnv);
    });
    child.once("exit", (code) => reject(new Error(`stack process exited with ${code}`)));
  });
  return {
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}

async function childRole(): Promise<void> {
  const { startLocalStack } = await import("@/local/stack");
  const offset = Number(process.env.BENCH_STACK_OFFSET);
  const dataDir = path.join(process.env.BENCH_STACK_ROOT!, ".local", `bench-${offset}`);
  rmSync(dataDir, { recursive: true, force: true });
  const stack = await startLocalStack({ portOffset: offset, dataDir, ephemeral: true, log: () => {} });
  process.stdout.write(`${JSON.stringify(stack.env)}\n`);
  const stop = () => void stack.stop().finally(() => process.exit(0));
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

if (process.env.BENCH_STACK_ROLE === "child") await childRole();
