import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createBufferedTokenMetrics, createTokenMetrics } from "./token-metrics";
import { memoryRedis } from "@/tests/helpers/memory-redis";
import type { AuditEventInput } from "@/lib/audit/types";

describe("token usage metrics", () => {
  it("tracks first seen, last used and count per session id in one round trip", async () => {
    const { fake, redis } = memoryRedis();
    let now = 1_000;
    const record = createTokenMetrics({ redis, now: () => now });
    const sid = randomUUID();
    await record({ sessionId: sid, userId: "u" });
    now = 5_000;
    const usage = await record({ sessionId: sid, userId: "u" });
    expect(usage).toMatchObject({ firstSeen: 1_000, lastUsed: 5_000, useCount: 2, alerted: false });
    expect(await fake.hgetall(`tm:${sid}`)).toMatchObject({ first: 1000, last: 5000, count: 2 });
  });
  it("alerts once when a session is used more than 1000 times", async () => {
    const { redis } = memoryRedis();
    const events: AuditEventInput[] = [];
    const record = createTokenMetrics({ redis, audit: (e) => void events.push(e) });
    const sid = randomUUID();
    const results = [];
    for (let i = 0; i < 1002; i++) results.push(await record({ sessionId: sid, userId: "u" }));
    expect(results.filter((r) => r.alerted).map((r) => r.useCount)).toEqual([1001]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "sys_monitor", sessionId: sid, details: { reason: "use_count" } });
  });
  it("alerts once when a session is older than 24 h; other sessions are independent", async () => {
    const { redis } = memoryRedis();
    let now = 0;
    const alerts: string[] = [];
    const record = createTokenMetrics({ redis, now: () => now, onAlert: (u, usage) => alerts.push(`${u.sessionId}:${usage.reason}`) });
    await record({ sessionId: "a", userId: "u" });
    now = 24 * 3600_000;
    await record({ sessionId: "a", userId: "u" });
    expect(alerts).toEqual([]);
    now += 1;
    await record({ sessionId: "a", userId: "u" });
    await record({ sessionId: "a", userId: "u" });
    await record({ sessionId: "b", userId: "u" });
    expect(alerts).toEqual(["a:age"]);
  });
});

describe("buffered token metrics", () => {
  it("sums uses per session in memory and writes them in one flush", async () => {
    const { fake, redis } = memoryRedis();
    const record = createTokenMetrics({ redis });
    const buffered = createBufferedTokenMetrics({ record, intervalMs: 60_000 });
    for (let i = 0; i < 50; i++) await buffered.add({ sessionId: "s1", userId: "u" });
    await buffered.add({ sessionId: "s2", userId: "u" });
    expect(fake.calls).toEqual([]);
    await buffered.flush();
    expect(await fake.hgetall("tm:s1")).toMatchObject({ count: 50 });
    expect(await fake.hgetall("tm:s2")).toMatchObject({ count: 1 });
  });
  it("still alerts once a buffered batch crosses the threshold", async () => {
    const { redis } = memoryRedis();
    const alerts: number[] = [];
    const record = createTokenMetrics({ redis, onAlert: (_u, usage) => alerts.push(usage.useCount) });
    const buffered = createBufferedTokenMetrics({ record, intervalMs: 60_000, maxSessions: 1 });
    await buffered.add({ sessionId: "s", userId: "u", count: 1000 });
    await buffered.add({ sessionId: "s", userId: "u", count: 5 });
    expect(alerts).toEqual([1005]);
  });
});
