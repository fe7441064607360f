/**
 * The running local stack's environment, for integration tests (provided once per run by tests/setup/local-stack.ts).
 *   const env = stackEnv(); new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN })
 */
import { inject } from "vitest";
import type { StackEnv } from "@/local/stack";

export type { StackEnv };

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

export function stackEnv(): StackEnv {
  const env = inject("stackEnv");
  if (!env) throw new Error("stackEnv() is only available in the `integration` vitest project (tests/setup/local-stack.ts provides it)");
  return env;
}
