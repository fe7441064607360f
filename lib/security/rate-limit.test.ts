import type { Redis } from "@upstash/redis";
import { describe, expect, it, vi } from "vitest";
import { MemoryLimiter } from "./memory-limiter";
import { createRateLimiter, rateLimitedResponse, type RateLimitResult } from "./rate-limit";
import { edgePoliciesFor, gatewayPoliciesFor, RATE_LIMIT_POLICIES } from "./rate-limit-policy";

/** A store whose every command hangs (slow Redis) or rejects (Redis down). */
const fakeRedis = (behaviour: "hang" | "reject") =>
  new Proxy(
    {},
    {
      get: (_target, prop) => {
        if (prop === "then") return undefined;
        return () => (behaviour === "hang" ? new Promise(() => {}) : Promise.reject(new TypeError("fetch failed")));
      },
    },
  ) as unknown as Redis;

describe("createRateLimiter fail-closed fallback", () => {
  it("limits through the in-memory fallback when the store rejects, and reports the failure once", async () => {
    const onStoreFailure = vi.fn();
    const limiter = createRateLimiter({ redis: () => fakeRedis("reject"), onStoreFailure });
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await limiter.check("sso_cookie_set", "203.0.113.7"));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results.every((r) => r.source === "fallback")).toBe(true);
    expect(results[5]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(onStoreFailure).toHaveBeenCalledTimes(1);
    expect(onStoreFailure).toHaveBeenCalledWith({ policy: "sso_cookie_set", reason: "error", error: "TypeError" });
  });

  it("treats a store slower than the timeout as down instead of letting the request through", async () => {
    const onStoreFailure = vi.fn();
    const limiter = createRateLimiter({ redis: () => fakeRedis("hang"), timeoutMs: 50, onStoreFailure });
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 6; i++) results.push(await limiter.check("sso_cookie_set", "ip"));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    expect(onStoreFailure).toHaveBeenCalledWith({ policy: "sso_cookie_set", reason: "timeout" });
  });

  it("treats a store that cannot even be constructed (missing config) as down", async () => {
    const limiter = createRateLimiter({
      redis: () => {
        throw new Error("Configuration error");
      },
    });
    for (let i = 0; i < 10; i++) await limiter.check("sso_cookie_clear", "ip");
    expect((await limiter.check("sso_cookie_clear", "ip")).success).toBe(false);
  });

  it("survives a throwing failure reporter", async () => {
    const limiter = createRateLimiter({
      redis: () => fakeRedis("reject"),
      onStoreFailure: () => {
        throw new Error("reporter down");
      },
      fallback: new MemoryLimiter(),
    });
    expect((await limiter.check("security_events", "ip")).success).toBe(true);
  });

  it("refuses a timeout above one second", () => {
    expect(() => createRateLimiter({ redis: () => fakeRedis("hang"), timeoutMs: 5_000 })).toThrow(TypeError);
  });
});

describe("rateLimitedResponse", () => {
  const result: RateLimitResult = { success: false, limit: 5, remaining: 0, reset: Date.now() + 42_000, retryAfterSeconds: 42, policy: "sso_cookie_set", source: "store" };

  it("answers 429 with Retry-After, RateLimit-* and the app's JSON body", async () => {
    const response = rateLimitedResponse(result);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("42");
    expect(response.headers.get("ratelimit-limit")).toBe("5");
    expect(response.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(41);
    expect(await response.json()).toEqual({ error: "rate_limited", retry_after: 42 });
  });

  it("uses GoTrue's error shape for the auth gateway", async () => {
    const response = rateLimitedResponse(result, "gotrue");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.code).toBe("over_request_rate_limit");
    expect(body.error_code).toBe("over_request_rate_limit");
    expect(body.message).toMatch(/42 seconds/);
  });
});

describe("policy table", () => {
  it("holds the seed numbers", () => {
    expect(RATE_LIMIT_POLICIES.sso_cookie_set).toMatchObject({ limit: 5, windowSeconds: 60, key: "ip" });
    expect(RATE_LIMIT_POLICIES.sso_cookie_clear).toMatchObject({ limit: 10, windowSeconds: 60, key: "ip" });
    expect(RATE_LIMIT_POLICIES.password_signin).toMatchObject({ limit: 5, windowSeconds: 900, key: "ip+email" });
    expect(RATE_LIMIT_POLICIES.recover_email).toMatchObject({ limit: 5, windowSeconds: 900 });
    expect(RATE_LIMIT_POLICIES.recover_ip).toMatchObject({ limit: 5, windowSeconds: 900 });
    expect(RATE_LIMIT_POLICIES.mfa_verify).toMatchObject({ limit: 5, windowSeconds: 300, key: "user" });
    expect(RATE_LIMIT_POLICIES.invite_processing).toMatchObject({ limit: 5, windowSeconds: 900, key: "identifier" });
    expect(RATE_LIMIT_POLICIES.security_events).toMatchObject({ limit: 30, windowSeconds: 60 });
  });

  const q = (s = "") => new URLSearchParams(s);
  it.each([
    ["POST", "/api/my/sso-cookie", "", ["sso_cookie_set"]],
    ["DELETE", "/api/my/sso-cookie", "", ["sso_cookie_clear"]],
    ["GET", "/api/my/sso-cookie", "", []],
    ["POST", "/api/security-events", "", ["security_events"]],
    ["POST", "/auth/v1/token", "grant_type=password", ["password_signin_ip"]],
    ["POST", "/auth/v1/token", "grant_type=refresh_token", []],
    ["POST", "/auth/v1/recover", "", ["recover_ip"]],
    ["POST", "/auth/v1/otp", "", ["otp_ip"]],
    ["GET", "/auth/v1/verify", "token=x", ["verify_ip"]],
    ["POST", "/auth/v1/factors/abc-123/verify", "", ["mfa_verify"]],
    ["POST", "/auth/v1/factors/abc/challenge", "", []],
    ["POST", "/auth/confirm/verify", "", ["verify_ip"]],
    ["GET", "/auth/confirm/verify", "", []],
    ["GET", "/login", "", []],
  ])("edge: %s %s?%s → %j", (method, path, search, expected) => {
    expect(edgePoliciesFor(method, path, q(search))).toEqual(expected);
  });

  it.each([
    ["POST", "/token", "grant_type=password", ["password_signin"]],
    ["POST", "/recover", "", ["recover_email"]],
    ["POST", "/otp", "", ["otp_email"]],
    ["POST", "/verify", "", ["verify_identifier"]],
    ["GET", "/verify", "", []],
    ["POST", "/token", "grant_type=refresh_token", []],
  ])("gateway: %s %s?%s → %j", (method, path, search, expected) => {
    expect(gatewayPoliciesFor(method, path, q(search))).toEqual(expected);
  });
});

describe("store circuit breaker", () => {
  it("skips the store for breakerMs after a failure, then tries it again", async () => {
    let t = 1_000_000;
    let calls = 0;
    const redis = () => {
      calls++;
      throw new Error("down");
    };
    const limiter = createRateLimiter({ redis, breakerMs: 5_000, now: () => t });
    await limiter.check("security_events", "ip");
    await limiter.check("security_events", "ip");
    expect(calls).toBe(1);
    t += 5_001;
    await limiter.check("security_events", "ip");
    expect(calls).toBe(2);
  });
});
