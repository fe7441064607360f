import { describe, expect, it } from "vitest";
import { TokenBucketLimiter, WindowCounter, createLimiters } from "./rate-limit";
import { loadConfig } from "./config";
import { requestApiVersion } from "./errors";

describe("local/auth rate limiting (GoTrue/tollbooth token buckets)", () => {
  it("allows the burst, then refills at rate per second, per key", () => {
    const b = new TokenBucketLimiter(0.5, 30, 3_600_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 30; i++) expect(b.take("1.2.3.4", t0)).toBe(true);
    expect(b.take("1.2.3.4", t0)).toBe(false);
    expect(b.take("5.6.7.8", t0)).toBe(true);
    expect(b.take("1.2.3.4", t0 + 1_000)).toBe(false); // 0.5 token after 1 s
    expect(b.take("1.2.3.4", t0 + 2_000)).toBe(true); // 1 token after 2 s
    expect(b.take("1.2.3.4", t0 + 2_000)).toBe(false);
  });

  it("uses GoTrue's defaults: /token 150 per 5 min with burst 30, OTP-class burst = limit", () => {
    const l = createLimiters(loadConfig({}).rateLimit);
    expect(l.token).toMatchObject({ ratePerSecond: 0.5, burst: 30 });
    expect(l.verify).toMatchObject({ ratePerSecond: 0.1, burst: 30 });
    expect(l.recover).toMatchObject({ ratePerSecond: 0.1, burst: 30 });
    expect(l.factorVerify).toMatchObject({ ratePerSecond: 0.25, burst: 30 });
  });

  it("counts emails globally per window", () => {
    const w = new WindowCounter(2, 60_000);
    expect([w.take(0), w.take(1), w.take(2)]).toEqual([true, true, false]);
    expect(w.take(60_001)).toBe(true);
  });
});

describe("X-Supabase-Api-Version", () => {
  it("maps dates on/after 2024-01-01 to 2024-01-01 and ignores the rest", () => {
    expect(requestApiVersion("2024-01-01")).toBe("2024-01-01");
    expect(requestApiVersion("2025-06-30")).toBe("2024-01-01");
    expect(requestApiVersion("2023-12-31")).toBeNull();
    expect(requestApiVersion("garbage")).toBeNull();
    expect(requestApiVersion(undefined)).toBeNull();
  });
});
