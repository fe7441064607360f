import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryLimiter } from "./memory-limiter";

describe("MemoryLimiter", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-01-01T00:00:00.000Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("allows exactly the limit within a window, then refuses", () => {
    const limiter = new MemoryLimiter();
    const results = Array.from({ length: 7 }, () => limiter.limit("ip:1", 5, 60_000));
    expect(results.map((result) => result.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results.map((result) => result.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(results[5]?.reset).toBe(Date.parse("2026-01-01T00:01:00.000Z"));
  });

  it("keeps keys and policies apart", () => {
    const limiter = new MemoryLimiter();
    for (let i = 0; i < 5; i++) limiter.limit("ip:1", 5, 60_000);
    expect(limiter.limit("ip:1", 5, 60_000).success).toBe(false);
    expect(limiter.limit("ip:2", 5, 60_000).success).toBe(true);
    expect(limiter.limit("ip:1", 10, 60_000).success).toBe(true);
  });

  it("slides: the previous window still counts by its overlap", () => {
    const limiter = new MemoryLimiter();
    for (let i = 0; i < 5; i++) limiter.limit("k", 5, 60_000);
    vi.advanceTimersByTime(60_000 + 15_000); // 25% into the next window: 75% of 5 = 3.75 → 3 still counted
    expect(limiter.limit("k", 5, 60_000).success).toBe(true);
    expect(limiter.limit("k", 5, 60_000).success).toBe(true);
    expect(limiter.limit("k", 5, 60_000).success).toBe(false);
    vi.advanceTimersByTime(120_000); // two windows later everything has expired
    expect(limiter.limit("k", 5, 60_000).remaining).toBe(4);
  });

  it("stays bounded and sweeps expired entries before evicting live ones", () => {
    const limiter = new MemoryLimiter({ maxEntries: 3 });
    limiter.limit("old", 1, 1_000);
    vi.advanceTimersByTime(5_000);
    limiter.limit("a", 1, 60_000);
    limiter.limit("b", 1, 60_000);
    limiter.limit("c", 1, 60_000); // full → "old" (expired) is swept, the live ones stay
    expect(limiter.size).toBe(3);
    expect(limiter.limit("a", 1, 60_000).success).toBe(false);
    for (let i = 0; i < 100; i++) limiter.limit(`flood-${i}`, 1, 60_000);
    expect(limiter.size).toBe(3);
  });

  it("refuses invalid configuration", () => {
    expect(() => new MemoryLimiter({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryLimiter().limit("k", 0, 1000)).toThrow(TypeError);
    expect(() => new MemoryLimiter().limit("k", 1, 0)).toThrow(TypeError);
  });
});
