/**
 * Start-up configuration check shared by scripts/dev.ts, scripts/start.ts and instrumentation.ts (Node runtime):
 * a bad or missing variable prints ONE line naming it and exits non-zero, without a stack trace.
 */
import { writeSync } from "node:fs";
import { EnvError, parseServerEnv, type ServerEnv } from "@/lib/env";

export function validateEnvOrExit(source: Record<string, string | undefined> = process.env): ServerEnv {
  try {
    return parseServerEnv(source);
  } catch (error) {
    if (error instanceof EnvError) {
      // Synchronous: process.stderr on a pipe is asynchronous and process.exit() could drop the line.
      writeSync(2, `${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
