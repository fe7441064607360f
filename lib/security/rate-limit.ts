/**
 * Fail-closed rate limiting: @upstash/ratelimit sliding windows in the shared store, with a per-instance in-memory
 * fallback using the same policy whenever the store errors or is slower than `timeoutMs`.
 *
 * Why the fallback: @upstash/ratelimit answers `success: true, reason: "timeout"` when Redis is slow — fail OPEN. An
 * account-security product must never let password guessing run unlimited because Redis is down, so a thrown error
 * or a "timeout" result is treated as "store down" and the request is counted locally instead (per instance, so the
 * effective limit is at most limit × instances while the outage lasts), and a security-control-failure event is
 * recorded (itself rate-limited to one per policy per minute per instance).
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { queueAuditEventFromEdge } from "@/lib/audit/edge";
import { logger } from "@/lib/logger";
import { redis } from "@/lib/redis";
import { MemoryLimiter } from "./memory-limiter";
import { policy as policyOf, type RateLimitPolicyName } from "./rate-limit-policy";

/** Upper bound for one store round trip before the fallback takes over (issue 5: ≤ 1 s). */
export const DEFAULT_TIMEOUT_MS = 1_000;
const FAILURE_EVENT_INTERVAL_MS = 60_000;
/** After a store failure, requests skip the store for this long (no per-request timeout wait during an outage). */
export const DEFAULT_BREAKER_MS = 5_000;

export type RateLimitResult = {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix ms when the window resets. */
  reset: number;
  retryAfterSeconds: number;
  policy: RateLimitPolicyName;
  /** "store" normally; "fallback" while the shared store is unavailable. */
  source: "store" | "fallback";
};

export type StoreFailure = { policy: RateLimitPolicyName; reason: "timeout" | "error"; error?: string };

export type RateLimiterOptions = {
  /** A lazily created store: a throw here (e.g. missing configuration) is treated like a store failure. */
  redis: () => Redis;
  timeoutMs?: number;
  /** Key prefix in the store. */
  prefix?: string;
  onStoreFailure?: (failure: StoreFailure) => void;
  fallback?: MemoryLimiter;
  /** How long to go straight to the fallback after a store failure (default 5 s; 0 = retry the store every time). */
  breakerMs?: number;
  now?: () => number;
};

export type RateLimiter = {
  check(policy: RateLimitPolicyName, identifier: string): Promise<RateLimitResult>;
};

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0 && timeoutMs <= DEFAULT_TIMEOUT_MS)) throw new TypeError("timeoutMs must be in (0, 1000]");
  const prefix = options.prefix ?? "rl";
  const now = options.now ?? Date.now;
  const fallback = options.fallback ?? new MemoryLimiter({ now });
  const limiters = new Map<RateLimitPolicyName, Ratelimit>();
  const lastFailureEvent = new Map<RateLimitPolicyName, number>();
  const breakerMs = options.breakerMs ?? DEFAULT_BREAKER_MS;
  let storeDownUntil = 0;

  const limiterFor = (name: RateLimitPolicyName): Ratelimit => {
    let limiter = limiters.get(name);
    if (!limiter) {
      const { limit, windowSeconds } = policyOf(name);
      limiter = new Ratelimit({
        redis: options.redis(),
        limiter: Ratelimit.slidingWindow(limit, `${windowSeconds} s`),
        prefix: `${prefix}:${name}`,
        // The deadline is enforced below (withDeadline) instead of by the library: its own timer answers
        // `success: true` — fail open — and cannot tell a slow store from a busy event loop.
        timeout: 0,
        analytics: false,
        enableTelemetry: false,
        // Protection downloads a deny list from the internet; the ephemeral cache would hide store outages from the
        // fallback logic and keep denials after an admin lifts them. Both off.
        enableProtection: false,
        ephemeralCache: false,
      });
      limiters.set(name, limiter);
    }
    return limiter;
  };

  const reportFailure = (failure: StoreFailure) => {
    // Only a failing store opens the breaker; a slow answer costs just the request that waited for it.
    if (failure.reason === "error") storeDownUntil = now() + breakerMs;
    const last = lastFailureEvent.get(failure.policy) ?? -Infinity;
    if (now() - last < FAILURE_EVENT_INTERVAL_MS) return;
    lastFailureEvent.set(failure.policy, now());
    try {
      options.onStoreFailure?.(failure);
    } catch {
      // A broken reporter must not turn a limited request into an unlimited one.
    }
  };

  const local = (name: RateLimitPolicyName, identifier: string): RateLimitResult => {
    const { limit, windowSeconds } = policyOf(name);
    const result = fallback.limit(`${name}:${identifier}`, limit, windowSeconds * 1000);
    return finish(name, result, "fallback", now());
  };

  return {
    async check(name, identifier) {
      if (now() < storeDownUntil) return local(name, identifier);
      try {
        const result = await withDeadline(limiterFor(name).limit(identifier), timeoutMs);
        if (result === TIMED_OUT || result.reason === "timeout") {
          reportFailure({ policy: name, reason: "timeout" });
          return local(name, identifier);
        }
        return finish(name, result, "store", now());
      } catch (error) {
        reportFailure({ policy: name, reason: "error", error: error instanceof Error ? error.name : "unknown" });
        return local(name, identifier);
      }
    },
  };
}

const TIMED_OUT = Symbol("timed out");
/** Extra event-loop turns granted after the deadline (see withDeadline). */
const GRACE_TURNS = 10;

/**
 * Resolves with the store's answer, or TIMED_OUT after `ms`. When the deadline fires, the reply may already be
 * waiting on the socket: on a busy instance timers run before pending I/O, so a few event-loop turns are granted
 * before the store is declared slow — otherwise load on the app itself would push requests into the per-instance
 * fallback and let a burst overshoot the shared limit.
 */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, ms, TIMED_OUT)));
  try {
    const first = await Promise.race([promise, deadline]);
    if (first !== TIMED_OUT) return first;
  } finally {
    clearTimeout(timer);
  }
  for (let turn = 0; turn < GRACE_TURNS && !settled; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
  return settled ? await promise : TIMED_OUT;
}

function finish(
  policy: RateLimitPolicyName,
  result: { success: boolean; limit: number; remaining: number; reset: number },
  source: RateLimitResult["source"],
  now: number,
): RateLimitResult {
  const retryAfterSeconds = result.success ? 0 : Math.max(1, Math.ceil((result.reset - now) / 1000));
  return { success: result.success, limit: result.limit, remaining: Math.max(0, result.remaining), reset: result.reset, retryAfterSeconds, policy, source };
}

/** RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers) plus Retry-After on refusals. */
export function rateLimitHeaders(result: RateLimitResult, now: number = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": String(Math.max(0, Math.ceil((result.reset - now) / 1000))),
  };
  if (!result.success) headers["Retry-After"] = String(result.retryAfterSeconds);
  return headers;
}

/**
 * The 429. Body `{ error: "rate_limited", retry_after }` for the app's API, or GoTrue's own shape for /auth/v1/*
 * (`{ code, error_code, msg, message }` with `over_request_rate_limit`) so supabase-js raises a normal AuthApiError.
 */
export function rateLimitedResponse(result: RateLimitResult, shape: "app" | "gotrue" = "app"): Response {
  const body =
    shape === "gotrue"
      ? {
          code: "over_request_rate_limit",
          error_code: "over_request_rate_limit",
          msg: `Too many requests. Try again in ${result.retryAfterSeconds} seconds.`,
          message: `Too many requests. Try again in ${result.retryAfterSeconds} seconds.`,
        }
      : { error: "rate_limited", retry_after: result.retryAfterSeconds };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "no-store",
    ...rateLimitHeaders(result),
  };
  if (shape === "gotrue") headers["x-sb-error-code"] = "over_request_rate_limit";
  return new Response(JSON.stringify(body), { status: 429, headers });
}

let defaultLimiter: RateLimiter | undefined;

/**
 * The process-wide limiter over lib/redis (edge-safe). Store failures are logged as `sys_monitor` security events;
 * callers on the Node side may also audit them.
 */
export function checkRateLimit(name: RateLimitPolicyName, identifier: string): Promise<RateLimitResult> {
  defaultLimiter ??= createRateLimiter({
    redis,
    onStoreFailure: (failure) => {
      const event = { event: "sys_monitor", outcome: "failure", target: `rate_limit:${failure.policy}`, details: { control: "rate_limit_store", ...failure, fallback: "memory" } } as const;
      // The log line survives the outage; the queued copy reaches the audit table if the store recovers in time.
      logger.warn("security_event", { ...event });
      void queueAuditEventFromEdge(event).catch(() => undefined);
    },
  });
  return defaultLimiter.check(name, identifier);
}
