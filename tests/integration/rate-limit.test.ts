/**
 * Rate limits against the Upstash REST protocol (local/upstash) backed by a real Redis AND by the in-process store;
 * the fail-closed fallback with the endpoint closed or hanging.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "@upstash/redis";
import IORedis from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startUpstash, type LocalUpstash } from "@/local/upstash";
import { MemoryLimiter } from "@/lib/security/memory-limiter";
import { createRateLimiter, type RateLimiter } from "@/lib/security/rate-limit";
import { testPortOffset } from "@/tests/helpers/port-offset";

const TOKEN = "rate-limit-test-token";
const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:6379/${1 + (Math.floor(testPortOffset() / 1000) % 15)}`;

const client = (upstash: { url: string; token: string }) =>
  new Redis({ url: upstash.url, token: upstash.token, retry: { retries: 0 }, enableTelemetry: false });

describe.each(["redis", "memory"] as const)("sliding-window limits through the Upstash endpoint (%s backend)", (backend) => {
  let upstash: LocalUpstash;
  const prefix = `rl-test-${randomUUID()}`;
  const limiter = (fallback = new MemoryLimiter()): RateLimiter =>
    createRateLimiter({ redis: () => client(upstash), prefix, fallback, onStoreFailure: () => expect.fail("the store should answer") });

  beforeAll(async () => {
    upstash = await startUpstash({ port: 0, token: TOKEN, backend, redisUrl });
  });

  afterAll(async () => {
    if (backend === "redis") {
      const redis = new IORedis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    await upstash.stop();
  });

  it("allows exactly the policy's limit from the store and refuses the next with a retry time", async () => {
    const rl = limiter();
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await rl.check("sso_cookie_set", `seq-${backend}`));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    expect(results.every((r) => r.source === "store")).toBe(true);
    expect(results[5]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(results[5]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await rl.check("sso_cookie_set", `other-${backend}`)).success).toBe(true);
  });

  it("shares one budget between two app instances (separate limiters, one store)", async () => {
    const [a, b] = [limiter(), limiter()];
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await (i % 2 ? a : b).check("sso_cookie_clear", `shared-${backend}`));
    expect(results.filter((r) => r.success)).toHaveLength(10);
    expect((await a.check("sso_cookie_clear", `shared-${backend}`)).success).toBe(false);
    expect((await b.check("sso_cookie_clear", `shared-${backend}`)).success).toBe(false);
  });

  it("never overshoots under 100 concurrent requests from two instances", async () => {
    const [a, b] = [limiter(), limiter()];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).check("recover_ip", `burst-${backend}`)));
    expect(results.filter((r) => r.success)).toHaveLength(5);
    expect(results.every((r) => r.source === "store")).toBe(true);
  });
});

describe("fail closed when the store is unavailable", () => {
  it("keeps limiting through the in-memory fallback when the endpoint is closed, and records one failure event", async () => {
    const upstash = await startUpstash({ port: 0, token: TOKEN, backend: "memory" });
    const url = upstash.url;
    await upstash.stop();
    const onStoreFailure = vi.fn();
    const rl = createRateLimiter({ redis: () => client({ url, token: TOKEN }), prefix: `rl-test-${randomUUID()}`, onStoreFailure });
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await rl.check("password_signin", "203.0.113.1|alice@example.com"));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results.every((r) => r.source === "fallback")).toBe(true);
    expect(onStoreFailure).toHaveBeenCalledTimes(1);
    expect(onStoreFailure.mock.calls[0]?.[0]).toMatchObject({ policy: "password_signin", reason: "error" });
  });

  describe("with a store that accepts connections but never answers", () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer(() => {
        /* hang */
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    });

    it("gives up after the timeout (≤ 1 s) and limits locally instead of letting requests through", async () => {
      const onStoreFailure = vi.fn();
      const rl = createRateLimiter({ redis: () => client({ url, token: TOKEN }), prefix: `rl-test-${randomUUID()}`, timeoutMs: 300, onStoreFailure });
      const started = performance.now();
      const first = await rl.check("mfa_verify", "user-1");
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(first).toMatchObject({ success: true, source: "fallback" });
      for (let i = 0; i < 4; i++) await rl.check("mfa_verify", "user-1");
      expect((await rl.check("mfa_verify", "user-1")).success).toBe(false);
      expect(onStoreFailure).toHaveBeenCalledWith({ policy: "mfa_verify", reason: "timeout" });
    });
  });
});
