/**
 * Upstash Redis REST client (edge-safe: fetch only). One instance per process; the client is stateless HTTP.
 */
import { Redis } from "@upstash/redis";
import { serverEnv } from "@/lib/env";

let instance: Redis | undefined;

export function redis(): Redis {
  if (!instance) {
    const env = serverEnv();
    instance = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      // Fail fast: callers that must fail closed (rate limits) handle errors themselves; retries would only add latency.
      retry: { retries: 0 },
      enableTelemetry: false,
    });
  }
  return instance;
}
