/**
 * ONE contract suite for the local Upstash endpoint, run against EVERY available backend with the REAL clients
 * (@upstash/redis with auto-pipelining and base64 responses, @upstash/ratelimit), so the in-process store cannot
 * drift from Redis. Keys use a unique prefix per run; only the private backends (spawned redis-server, memory)
 * get SCRIPT FLUSH; the shared Redis is never flushed.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstash, type LocalUpstash, type UpstashBackendKind } from "./index";
import { findRedisServerBinary, redisAnswers } from "./redis-backend";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const backends: UpstashBackendKind[] = ["memory"];
if (await redisAnswers(REDIS_URL)) backends.unshift("redis");
if (findRedisServerBinary()) backends.splice(backends.length - 1, 0, "redis-server");

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

/** The Redis error text a rejected @upstash/redis call carries (the client prefixes "Command failed: "). */
async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message.replace(/^Command failed: /, "");
  }
  throw new Error("expected the command to fail");
}

describe.each(backends)("local upstash contract — backend %s", (backend) => {
  let up: LocalUpstash;
  let redis: Redis;
  const token = `tok_${randomUUID()}`;
  const p = `contract:${backend}:${randomUUID()}:`;
  const shared = backend === "redis";
  const dataDir = resolve(import.meta.dirname, `../../.local/contract-${process.pid}-${backend}`);

  const raw = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${up.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    up = await startUpstash({
      port: 0,
      token,
      backend,
      redisUrl: REDIS_URL,
      dataDir,
      ephemeral: true,
    });
    expect(up.backend).toBe(backend);
    redis = new Redis({ url: up.url, token, enableAutoPipelining: true, retry: false });
  });

  afterAll(async () => {
    if (!up) return;
    // Remove only this run's keys.
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, { match: `${p}*`, count: 1000 });
      if (keys.length) await redis.del(...keys);
      cursor = String(next);
    } while (cursor !== "0");
    await up.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("round-trips strings (unicode, control bytes, 'OK', numbers-as-text) and nil through auto-pipelining + base64", async () => {
    const values = { uni: "héllo ✓ 🎉 日本", ctl: "a\u0000b\u0001c\u007f", ok: "OK", spaces: "  padded  ", empty: "" };
    await Promise.all(Object.entries(values).map(([k, v]) => redis.set(`${p}${k}`, v)));
    const got = await Promise.all([...Object.keys(values).map((k) => redis.get<string>(`${p}${k}`)), redis.get(`${p}missing`)]);
    expect(got).toEqual([...Object.values(values), null]);
    expect(await redis.mget(`${p}uni`, `${p}missing`, `${p}ok`)).toEqual([values.uni, null, "OK"]);
    await redis.set(`${p}json`, { a: 1, b: ["x"] });
    expect(await redis.get(`${p}json`)).toEqual({ a: 1, b: ["x"] });
    expect(await redis.ping()).toBe("PONG");
    expect(await redis.type(`${p}uni`)).toBe("string");
    expect(await redis.type(`${p}missing`)).toBe("none");
  });

  it("also works without base64 encoding", async () => {
    const plain = new Redis({ url: up.url, token, responseEncoding: false, enableAutoPipelining: false });
    await plain.set(`${p}plain`, "ünï ✓");
    expect(await plain.get(`${p}plain`)).toBe("ünï ✓");
    expect(await plain.hset(`${p}plainh`, { f: "v" })).toBe(1);
    expect(await plain.hgetall(`${p}plainh`)).toEqual({ f: "v" });
  });

  it("strings: SET options, INCR family, expiry", async () => {
    expect(await redis.set(`${p}s`, "1", { nx: true })).toBe("OK");
    expect(await redis.set(`${p}s`, "2", { nx: true })).toBe(null);
    expect(await redis.set(`${p}s`, "3", { xx: true, get: true })).toBe(1); // old value "1" (client parses JSON)
    expect(await redis.set(`${p}nope`, "x", { xx: true })).toBe(null);
    expect(await redis.incr(`${p}n`)).toBe(1);
    expect(await redis.incrby(`${p}n`, 41)).toBe(42);
    expect(await redis.decr(`${p}n`)).toBe(41);
    expect(await redis.decrby(`${p}n`, 40)).toBe(1);
    await redis.set(`${p}t`, "v", { ex: 100 });
    const ttl = await redis.ttl(`${p}t`);
    expect(ttl).toBeGreaterThan(95);
    expect(ttl).toBeLessThanOrEqual(100);
    const pttl = await redis.pttl(`${p}t`);
    expect(pttl).toBeGreaterThan(95_000);
    expect(await redis.persist(`${p}t`)).toBe(1);
    expect(await redis.ttl(`${p}t`)).toBe(-1);
    expect(await redis.ttl(`${p}missing`)).toBe(-2);
    expect(await redis.pexpire(`${p}t`, 50)).toBe(1);
    expect(await redis.expire(`${p}missing`, 10)).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await redis.get(`${p}t`)).toBe(null);
    expect(await redis.exists(`${p}n`, `${p}n`, `${p}missing`)).toBe(2);
    expect(await redis.del(`${p}n`, `${p}missing`)).toBe(1);
    await redis.set(`${p}px`, "v", { px: 60_000 });
    expect(await redis.getdel(`${p}px`)).toBe("v");
    expect(await redis.get(`${p}px`)).toBe(null);
    await expect(redis.set(`${p}bad`, "v", { ex: 0 })).rejects.toThrow("ERR invalid expire time in 'set' command");
    await redis.set(`${p}word`, "abc");
    await expect(redis.incr(`${p}word`)).rejects.toThrow("ERR value is not an integer or out of range");
    expect(await redis.mset({ [`${p}m1`]: "a", [`${p}m2`]: "b" })).toBe("OK");
    expect(await redis.mget(`${p}m1`, `${p}m2`)).toEqual(["a", "b"]);
  });

  it("hashes, sets, sorted sets and lists", async () => {
    expect(await redis.hset(`${p}h`, { a: "1", b: "two" })).toBe(2);
    expect(await redis.hset(`${p}h`, { b: "2", c: "3" })).toBe(1);
    expect(await redis.hget(`${p}h`, "b")).toBe(2);
    expect(await redis.hgetall(`${p}h`)).toEqual({ a: 1, b: 2, c: 3 });
    expect(await redis.hincrby(`${p}h`, "a", 9)).toBe(10);
    expect(await redis.hdel(`${p}h`, "c", "zz")).toBe(1);
    expect(await redis.hmget(`${p}h`, "a", "nope")).toEqual({ a: 10, nope: null });
    expect(await redis.hgetall(`${p}nohash`)).toBe(null);

    expect(await redis.sadd(`${p}set`, "x", "y", "x")).toBe(2);
    expect((await redis.smembers(`${p}set`)).sort()).toEqual(["x", "y"]);
    expect(await redis.sismember(`${p}set`, "x")).toBe(1);
    expect(await redis.srem(`${p}set`, "x", "q")).toBe(1);
    expect(await redis.sismember(`${p}set`, "x")).toBe(0);

    expect(await redis.zadd(`${p}z`, { score: 3, member: "c" }, { score: 1, member: "a" }, { score: 2, member: "b" })).toBe(3);
    expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.zrange(`${p}z`, 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2, "c", 3]);
    expect(await redis.zrange(`${p}z`, 2, "+inf", { byScore: true })).toEqual(["b", "c"]);
    expect(await redis.zrange(`${p}z`, "(1", 3, { byScore: true, offset: 1, count: 1 })).toEqual(["c"]);
    expect(await redis.zrange(`${p}z`, 0, 0, { rev: true })).toEqual(["c"]);
    expect(await redis.zscore(`${p}z`, "b")).toBe(2);
    expect(await redis.zscore(`${p}z`, "nope")).toBe(null);
    expect(await redis.zcard(`${p}z`)).toBe(3);
    expect(await redis.zremrangebyscore(`${p}z`, 0, 2)).toBe(2);
    expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(["c"]);

    expect(await redis.lpush(`${p}l`, "a", "b")).toBe(2); // [b, a]
    expect(await redis.rpush(`${p}l`, "c", "d")).toBe(4); // [b, a, c, d]
    expect(await redis.lrange(`${p}l`, 0, -1)).toEqual(["b", "a", "c", "d"]);
    expect(await redis.lpop(`${p}l`)).toBe("b");
    expect(await redis.rpop(`${p}l`)).toBe("d");
    expect(await redis.llen(`${p}l`)).toBe(2);
    expect(await redis.ltrim(`${p}l`, 0, 0)).toBe("OK");
    expect(await redis.lrange(`${p}l`, 0, -1)).toEqual(["a"]);
    expect(await redis.lpop(`${p}l`, 5)).toEqual(["a"]);
    expect(await redis.exists(`${p}l`)).toBe(0); // an emptied list disappears
    expect(await redis.rpop(`${p}l`)).toBe(null);
  });

  it("SCAN and KEYS find exactly this run's keys", async () => {
    const names = ["k1", "k2", "k3", "other"].map((n) => `${p}scan:${n}`);
    await Promise.all(names.map((n) => redis.set(n, "1")));
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, { match: `${p}scan:k*`, count: 2 });
      keys.forEach((k) => seen.add(k));
      cursor = String(next);
    } while (cursor !== "0");
    expect([...seen].sort()).toEqual(names.slice(0, 3));
    expect((await redis.keys(`${p}scan:k[12]`)).sort()).toEqual(names.slice(0, 2));
  });

  it("passes Redis errors through verbatim (single command: HTTP 400 {error})", async () => {
    await redis.hset(`${p}wt`, { f: "v" });
    await expect(redis.incr(`${p}wt`)).rejects.toThrow(WRONGTYPE);
    expect(await raw("/", ["INCR", `${p}wt`])).toEqual({ status: 400, body: { error: WRONGTYPE } });
    expect(await raw("/", ["GET"])).toEqual({ status: 400, body: { error: "ERR wrong number of arguments for 'get' command" } });
    const unknown = await raw("/", ["NOSUCHCMD", "a"]);
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: string }).error).toMatch(/^ERR unknown command 'NOSUCHCMD'/);
  });

  it("pipeline with an error in the middle: per-item {result}/{error}, base64 only on results", async () => {
    const k = `${p}pipe`;
    const res = await raw("/pipeline", [["SET", k, "héllo"], ["HGET", k, "f"], ["GET", k], ["GET", `${p}none`], ["INCR", `${p}pc`]], {
      "upstash-encoding": "base64",
    });
    expect(res).toEqual({
      status: 200,
      body: [{ result: "OK" }, { error: WRONGTYPE }, { result: Buffer.from("héllo").toString("base64") }, { result: null }, { result: 1 }],
    });
    const pl = redis.pipeline();
    pl.set(`${p}pipe2`, "v");
    pl.hget(`${p}pipe2`, "f");
    pl.get(`${p}pipe2`);
    const out = await pl.exec({ keepErrors: true });
    expect(out.map((o) => o.error ?? o.result)).toEqual(["OK", WRONGTYPE, "v"]);
    const failing = redis.pipeline();
    failing.set(`${p}pipe3`, "v");
    failing.incr(`${p}pipe3`);
    await expect(failing.exec()).rejects.toThrow(`Command 2 [ incr ] failed: ERR value is not an integer or out of range`);
  });

  it("multi-exec runs atomically; a queue-time error discards the transaction", async () => {
    const tx = redis.multi();
    tx.set(`${p}tx`, "1");
    tx.incr(`${p}tx`);
    tx.hget(`${p}tx`, "f");
    tx.get(`${p}tx`);
    const out = await tx.exec({ keepErrors: true });
    expect(out.map((o) => o.error ?? o.result)).toEqual(["OK", 2, WRONGTYPE, 2]);
    const aborted = await raw("/multi-exec", [["SET", `${p}tx2`, "1"], ["NOSUCHCMD"]]);
    expect(aborted.status).toBe(400);
    expect((aborted.body as { error: string }).error).toMatch(/^EXECABORT Transaction discarded because of previous errors/);
    expect(await redis.get(`${p}tx2`)).toBe(null);
  });

  it("Lua: Redis's conversion rules, redis.call/pcall errors, status/error replies, NOSCRIPT", async () => {
    expect(await redis.eval("return {1, 2.7, 'x', false, true, nil, 3}", [], [])).toEqual([1, 2, "x", null, 1]);
    expect(await redis.eval("return KEYS[1] .. '|' .. ARGV[1] .. '|' .. #ARGV", [`${p}k`], ["a", "b"])).toBe(`${p}k|a|2`);
    expect(await redis.eval("return redis.call('GET', KEYS[1])", [`${p}none`], [])).toBe(null);
    expect(await redis.eval("return redis.call('GET', KEYS[1]) == false and 1 or 0", [`${p}none`], [])).toBe(1);
    expect(await redis.eval("return redis.status_reply('FINE')", [], [])).toBe("FINE");
    expect(await redis.eval("return tostring(10/2) .. '|' .. tostring(2.5) .. '|' .. tostring(7)", [], [])).toBe("5|2.5|7");
    expect(await redis.eval("redis.call('SET', KEYS[1], 10/4); return redis.call('GET', KEYS[1])", [`${p}f`], [])).toBe(2.5);
    expect(await redis.eval("redis.call('SET', KEYS[1], 10/2); return redis.call('GET', KEYS[1])", [`${p}f`], [])).toBe(5);
    expect(await redis.eval("return redis.call('HSET', KEYS[1], 'a', 1, 'b', 2)", [`${p}lh`], [])).toBe(2);
    expect(await redis.eval("local t = redis.call('HGETALL', KEYS[1]); return #t", [`${p}lh`], [])).toBe(4);
    expect(await redis.eval("local r = redis.call('SET', KEYS[1], 'x'); return r.ok", [`${p}ls`], [])).toBe("OK");
    await redis.hset(`${p}lwt`, { f: "v" });
    expect(await errorOf(redis.eval("return redis.call('INCR', KEYS[1])", [`${p}lwt`], []))).toMatch(
      new RegExp(`^${WRONGTYPE} script: [0-9a-f]{40}, on @user_script:1\\.$`),
    );
    expect(await errorOf(redis.eval("return redis.pcall('INCR', KEYS[1])", [`${p}lwt`], []))).toBe(WRONGTYPE);
    expect(await redis.eval("local r = redis.pcall('INCR', KEYS[1]); return r.err", [`${p}lwt`], [])).toBe(WRONGTYPE);
    expect(await errorOf(redis.eval("return redis.error_reply('MY custom')", [], []))).toBe("MY custom");
    expect(await errorOf(redis.eval("return {err='x'}", [], []))).toBe("x");
    expect(await errorOf(redis.eval("return error('boom')", [], []))).toMatch(/^ERR user_script:1: boom script: [0-9a-f]{40}, on @user_script:1\.$/);
    expect(await errorOf(redis.eval("return redis.call('nosuch')", [], []))).toMatch(/^ERR Unknown Redis command called from script script: /);
    expect(await errorOf(redis.evalsha("0000000000000000000000000000000000000000", [], []))).toBe("NOSCRIPT No matching script. Please use EVAL.");
    // Upstash-only shebang flags (as @upstash/ratelimit 2.x sends them) are accepted on every backend.
    const flagged = `#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])`;
    expect(await redis.eval(flagged, [`${p}flag`], [])).toBe(1);
    const flaggedSha = await redis.scriptLoad(flagged);
    expect(await redis.evalsha(flaggedSha, [`${p}flag`], [])).toBe(2);
    expect(await redis.scriptExists(flaggedSha)).toEqual([1]);
    const script = `return ARGV[1] .. '${p}'`;
    const sha = await redis.scriptLoad(script);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await redis.scriptExists(sha, "0000000000000000000000000000000000000000")).toEqual([1, 0]);
    expect(await redis.evalsha(sha, [], ["v"])).toBe(`v${p}`);
  });

  it("path form: GET/POST /<cmd>/<args…>", async () => {
    const k = encodeURIComponent(`${p}path/ä`);
    const auth = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${up.url}/set/${k}/v1`, { headers: auth })).json()).toEqual({ result: "OK" });
    expect(await (await fetch(`${up.url}/get/${k}`, { headers: auth })).json()).toEqual({ result: "v1" });
    expect(await (await fetch(`${up.url}/set/${k}`, { method: "POST", headers: auth, body: "body value" })).json()).toEqual({ result: "OK" });
    expect(await (await fetch(`${up.url}/get/${k}`, { headers: auth })).json()).toEqual({ result: "body value" });
  });

  it("refuses missing or wrong tokens with 401, and bad bodies with 400", async () => {
    const noAuth = await fetch(up.url, { method: "POST", body: '["PING"]' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ error: "Unauthorized" });
    const wrong = await fetch(up.url, { method: "POST", headers: { authorization: `Bearer ${token}x` }, body: '["PING"]' });
    expect(wrong.status).toBe(401);
    const basic = await fetch(up.url, { method: "POST", headers: { authorization: `Basic ${token}` }, body: '["PING"]' });
    expect(basic.status).toBe(401);
    const bad = new Redis({ url: up.url, token: "wrong", retry: false, enableAutoPipelining: false });
    await expect(bad.get(`${p}x`)).rejects.toThrow(/Unauthorized/);
    expect((await raw("/", "not json")).status).toBe(400);
    expect((await raw("/", { cmd: "PING" })).status).toBe(400);
    expect((await raw("/", [])).status).toBe(400);
    expect((await raw("/", ["SET", `${p}obj`, { a: 1 }])).status).toBe(400);
    expect((await raw("/pipeline", [["PING"], "PING"])).status).toBe(400);
    expect((await raw("/", ["SUBSCRIBE", "chan"])).body).toEqual({ error: "ERR Command is not available: 'subscribe'" });
  });

  describe("@upstash/ratelimit", () => {
    const limiter = (limiterAlgo: ConstructorParameters<typeof Ratelimit>[0]["limiter"], name: string) =>
      new Ratelimit({ redis, limiter: limiterAlgo, prefix: `${p}rl:${name}`, ephemeralCache: false, analytics: false });

    async function run(rl: Ratelimit, id: string, n: number) {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await rl.limit(id));
      return out;
    }

    it("slidingWindow: exact allowed count, remaining and reset", async () => {
      const rl = limiter(Ratelimit.slidingWindow(5, "1 h"), "sw");
      const before = Date.now();
      const res = await run(rl, "user-a", 7);
      expect(res.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
      expect(res.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
      for (const r of res) {
        expect(r.limit).toBe(5);
        expect(r.reason).toBeUndefined();
        expect(r.reset).toBeGreaterThan(before);
        expect(r.reset).toBeLessThanOrEqual(before + 3_600_000 + 1000);
        expect(r.reset % 3_600_000).toBe(0); // end of the current fixed window
      }
      expect((await rl.limit("user-b")).remaining).toBe(4); // identifiers are independent
      expect((await rl.getRemaining("user-a")).remaining).toBe(0);
      await rl.resetUsedTokens("user-a");
      expect((await rl.limit("user-a")).remaining).toBe(4);
    });

    it("tokenBucket: exact allowed count, remaining and reset", async () => {
      const rl = limiter(Ratelimit.tokenBucket(3, "1 h", 3), "tb");
      const before = Date.now();
      const res = await run(rl, "user-a", 5);
      expect(res.map((r) => r.success)).toEqual([true, true, true, false, false]);
      expect(res.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
      expect(res[0]!.reset).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(res[0]!.reset).toBeLessThanOrEqual(Date.now() + 3_600_000);
      expect(res.every((r) => r.limit === 3)).toBe(true);
      expect((await rl.getRemaining("user-a")).remaining).toBe(0);
    });

    it("fixedWindow: exact allowed count, remaining and reset; custom rate", async () => {
      const rl = limiter(Ratelimit.fixedWindow(3, "1 h"), "fw");
      const before = Date.now();
      const res = await run(rl, "user-a", 4);
      expect(res.map((r) => r.success)).toEqual([true, true, true, false]);
      expect(res.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(res[0]!.reset).toBe((Math.floor(before / 3_600_000) + 1) * 3_600_000);
      const heavy = await rl.limit("user-b", { rate: 3 });
      expect(heavy).toMatchObject({ success: true, remaining: 0 });
      expect((await rl.limit("user-b")).success).toBe(false);
    });

    it.skipIf(shared)("falls back from EVALSHA to EVAL after SCRIPT FLUSH (NOSCRIPT) and keeps counting", async () => {
      const rl = limiter(Ratelimit.slidingWindow(3, "1 h"), "flush");
      expect((await rl.limit("u")).remaining).toBe(2);
      const flushed = await raw("/", ["SCRIPT", "FLUSH"]);
      expect(flushed).toEqual({ status: 200, body: { result: "OK" } });
      const second = await rl.limit("u");
      expect(second).toMatchObject({ success: true, remaining: 1 });
      const third = await rl.limit("u");
      expect(third).toMatchObject({ success: true, remaining: 0 });
      expect((await rl.limit("u")).success).toBe(false);
    });
  });
});
