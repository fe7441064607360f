/**
 * GoTrue's built-in request limits: token buckets (tollbooth semantics: `rate` tokens per second,
 * `burst` capacity) keyed by the client IP taken from `Sb-Forwarded-For` (or GOTRUE_RATE_LIMIT_HEADER).
 * As in GoTrue, a request without that header is not IP-limited.
 */
import { isIP } from "node:net";
import type { Context } from "hono";
import type { AuthConfig } from "./config";
import { tooManyRequests } from "./errors";

export type LimiterName = "token" | "verify" | "otp" | "user" | "signup" | "recover" | "resend" | "magiclink" | "factorChallenge" | "factorVerify" | "sso";

interface Bucket {
  tokens: number;
  updated: number;
}

export class TokenBucketLimiter {
  private buckets = new Map<string, Bucket>();
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    readonly ttlMs: number,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    let b = this.buckets.get(key);
    if (!b || now - b.updated > this.ttlMs) {
      b = { tokens: this.burst, updated: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.updated) / 1000) * this.ratePerSecond);
      b.updated = now;
    }
    if (this.buckets.size > 50_000) this.sweep(now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private sweep(now: number) {
    for (const [k, b] of this.buckets) if (now - b.updated > this.ttlMs) this.buckets.delete(k);
  }
}

/** Global counter over a fixed window (GoTrue's email-sent limit is global, not per IP). */
export class WindowCounter {
  private count = 0;
  private windowStart = Number.NEGATIVE_INFINITY;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  take(now = Date.now()): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (this.count >= this.limit) return false;
    this.count += 1;
    return true;
  }
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

export function createLimiters(cfg: AuthConfig["rateLimit"]) {
  const per5mOver1h = (n: number) => new TokenBucketLimiter(n / 300, Math.max(1, Math.floor(n)), HOUR);
  return {
    token: new TokenBucketLimiter(cfg.tokenRefresh / 300, 30, HOUR),
    verify: new TokenBucketLimiter(cfg.verify / 300, 30, HOUR),
    factorVerify: new TokenBucketLimiter(cfg.mfaChallengeAndVerify / 60, 30, MINUTE),
    factorChallenge: new TokenBucketLimiter(cfg.mfaChallengeAndVerify / 60, 30, MINUTE),
    sso: new TokenBucketLimiter(cfg.sso / 300, 30, HOUR),
    otp: per5mOver1h(cfg.otp),
    user: per5mOver1h(cfg.otp),
    signup: per5mOver1h(cfg.otp),
    recover: per5mOver1h(cfg.otp),
    resend: per5mOver1h(cfg.otp),
    magiclink: per5mOver1h(cfg.otp),
    /** global emails per hour; use `ctx.limiters.email.take()` before sending, 429 over_email_send_rate_limit */
    email: new WindowCounter(cfg.emailSent, HOUR),
  } satisfies Record<LimiterName, TokenBucketLimiter> & { email: WindowCounter };
}

export type Limiters = ReturnType<typeof createLimiters>;

/**
 * The key GoTrue rate-limits on: a valid IP as leftmost Sb-Forwarded-For value, else the first value of
 * GOTRUE_RATE_LIMIT_HEADER when configured, else none (not limited).
 */
export function rateLimitKey(c: Context, header: string): string | null {
  const sbff = c.req.header("Sb-Forwarded-For")?.split(",", 1)[0]!.trim();
  if (sbff && isIP(sbff)) return sbff;
  if (!header) return null;
  const first = c.req.header(header)?.split(",", 1)[0]!.trim();
  return first || null;
}

/** Throws 429 over_request_rate_limit when the request's IP bucket for `name` is exhausted. */
export function enforceRateLimit(c: Context, limiters: Limiters, header: string, name: LimiterName): void {
  const key = rateLimitKey(c, header);
  if (key === null) return;
  if (!limiters[name].take(key)) throw tooManyRequests("over_request_rate_limit", "Request rate limit reached");
}
