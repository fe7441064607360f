import { describe, expect, it, vi } from "vitest";
import { randomUUID } from "node:crypto";
import { createRevocationStore, isRevoked } from "./revocation";
import { createSessionExistenceCache } from "./validation-cache";
import { memoryRedis } from "@/tests/helpers/memory-redis";

describe("revocation store", () => {
  it("denylists a session id with a TTL bounded by the token's remaining life", async () => {
    const { fake, redis } = memoryRedis();
    let now = 1_800_000_000_000;
    fake.clock = () => now;
    const store = createRevocationStore({ redis, now: () => now });
    const sub = randomUUID();
    const sid = randomUUID();
    const token = { sub, sessionId: sid, iat: now / 1000 - 10 };
    expect(isRevoked(await store.lookup(sub, sid), token)).toBe(false);
    await store.revokeSessions([sid], now / 1000 + 100);
    expect(isRevoked(await store.lookup(sub, sid), token)).toBe(true);
    // another session of the same user is unaffected
    expect(isRevoked(await store.lookup(sub, randomUUID()), token)).toBe(false);
    now += 106_000; // past exp + tolerance: the key is gone, and so is the token's validity
    expect((await store.lookup(sub, sid)).sessionRevoked).toBe(false);
  });
  it("per-user not-before refuses tokens issued earlier or in the same second, accepts later ones", async () => {
    const { redis } = memoryRedis();
    const store = createRevocationStore({ redis, now: () => 1_800_000_000_000 });
    const sub = randomUUID();
    await store.revokeUserBefore(sub);
    const state = await store.lookup(sub, randomUUID());
    expect(state.notBefore).toBe(1_800_000_000);
    expect(isRevoked(state, { sub, sessionId: randomUUID(), iat: 1_799_999_999 })).toBe(true);
    expect(isRevoked(state, { sub, sessionId: randomUUID(), iat: 1_800_000_000 })).toBe(true);
    expect(isRevoked(state, { sub, sessionId: randomUUID(), iat: 1_800_000_001 })).toBe(false);
  });
  it("one MGET per lookup, and onRevoke fires for each id", async () => {
    const { fake, redis } = memoryRedis();
    const onRevoke = vi.fn();
    const store = createRevocationStore({ redis, onRevoke });
    fake.calls = [];
    await store.lookup(randomUUID(), randomUUID());
    expect(fake.calls).toEqual(["mget"]);
    const ids = [randomUUID(), randomUUID()];
    await store.revokeSessions(ids);
    expect(onRevoke.mock.calls.map((c) => c[0])).toEqual(ids);
  });
});

describe("strict-mode session existence cache", () => {
  it("caches only positives, ≤ 30 s, keyed by session id and bound to its user", async () => {
    let now = 0;
    const rows = new Set(["s1"]);
    const lookup = vi.fn(async (sid: string) => rows.has(sid));
    const cache = createSessionExistenceCache({ lookup, now: () => now });
    expect(await cache.exists("s1", "u1")).toBe(true);
    expect(await cache.exists("s1", "u1")).toBe(true);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(await cache.exists("s2", "u1")).toBe(false);
    expect(await cache.exists("s2", "u1")).toBe(false);
    expect(lookup).toHaveBeenCalledTimes(3); // negatives are never cached
    rows.delete("s1");
    now += 30_001;
    expect(await cache.exists("s1", "u1")).toBe(false);
    rows.add("s1");
    expect(await cache.exists("s1", "u1")).toBe(true);
    cache.forget("s1");
    rows.delete("s1");
    expect(await cache.exists("s1", "u1")).toBe(false);
    rows.add("s3");
    expect(await cache.exists("s3", "u1")).toBe(true);
    expect(await cache.exists("s3", "other-user")).toBe(true);
    expect(lookup).toHaveBeenLastCalledWith("s3", "other-user");
  });
  it("is bounded and refuses TTLs above 30 s", async () => {
    const cache = createSessionExistenceCache({ lookup: async () => true, maxEntries: 3 });
    for (const id of ["a", "b", "c", "d", "e"]) await cache.exists(id, "u");
    expect(cache.size()).toBe(3);
    expect(() => createSessionExistenceCache({ lookup: async () => true, ttlMs: 300_000 })).toThrow(TypeError);
  });
});
