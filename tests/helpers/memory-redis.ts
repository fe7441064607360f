// In-memory stand-in for the subset of @upstash/redis that lib/auth, lib/security/{auth-monitor,token-metrics} and
// lib/audit use (H5). Unit tests only; integration tests use the real Upstash REST stand-in. Values come back
// JSON-deserialized like @upstash/redis's automaticDeserialization does.
import type { Redis } from "@upstash/redis";

type Entry = { value: string | Map<string, string> | Map<string, number> | string[]; expiresAt: number | null };

const deserialize = (v: string | null | undefined): unknown => {
  if (v === null || v === undefined) return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};
const ser = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export class MemoryRedis {
  private data = new Map<string, Entry>();
  calls: string[] = [];
  failing = false;
  clock: () => number = () => Date.now();

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= this.clock()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }
  private op(name: string) {
    this.calls.push(name);
    if (this.failing) throw new Error("redis unavailable");
  }
  keys(): string[] {
    return [...this.data.keys()].filter((k) => this.live(k));
  }

  async get(key: string) {
    this.op("get");
    const e = this.live(key);
    return typeof e?.value === "string" ? deserialize(e.value) : null;
  }
  async mget(...keys: (string | string[])[]) {
    this.op("mget");
    return keys.flat().map((k) => {
      const e = this.live(k);
      return typeof e?.value === "string" ? deserialize(e.value) : null;
    });
  }
  async set(key: string, value: unknown, opts?: { ex?: number; px?: number; nx?: boolean }) {
    this.op("set");
    if (opts?.nx && this.live(key)) return null;
    const ttl = opts?.px ?? (opts?.ex !== undefined ? opts.ex * 1000 : undefined);
    this.data.set(key, { value: ser(value), expiresAt: ttl !== undefined ? this.clock() + ttl : null });
    return "OK";
  }
  async del(...keys: string[]) {
    this.op("del");
    let n = 0;
    for (const k of keys) if (this.live(k) && this.data.delete(k)) n++;
    return n;
  }
  async pexpire(key: string, ms: number) {
    this.op("pexpire");
    const e = this.live(key);
    if (!e) return 0;
    e.expiresAt = this.clock() + ms;
    return 1;
  }
  async expire(key: string, s: number) {
    return this.pexpire(key, s * 1000);
  }
  private zset(key: string): Map<string, number> {
    const e = this.live(key);
    if (e && e.value instanceof Map) return e.value as Map<string, number>;
    const m = new Map<string, number>();
    this.data.set(key, { value: m, expiresAt: null });
    return m;
  }
  async zadd(key: string, ...items: { score: number; member: string }[]) {
    this.op("zadd");
    const z = this.zset(key);
    let added = 0;
    for (const { score, member } of items) {
      if (!z.has(member)) added++;
      z.set(member, score);
    }
    return added;
  }
  async zremrangebyscore(key: string, min: number, max: number) {
    this.op("zremrangebyscore");
    const e = this.live(key);
    if (!e || !(e.value instanceof Map)) return 0;
    const z = e.value as Map<string, number>;
    let n = 0;
    for (const [m, s] of z) if (s >= min && s <= max && z.delete(m)) n++;
    return n;
  }
  async zcard(key: string) {
    this.op("zcard");
    const e = this.live(key);
    return e?.value instanceof Map ? e.value.size : 0;
  }
  async zrem(key: string, ...members: string[]) {
    this.op("zrem");
    const e = this.live(key);
    if (!e || !(e.value instanceof Map)) return 0;
    return members.filter((m) => (e.value as Map<string, number>).delete(m)).length;
  }
  async zrange(key: string, min: number, max: number, opts?: { byScore?: boolean; withScores?: boolean }) {
    this.op("zrange");
    const e = this.live(key);
    if (!e || !(e.value instanceof Map)) return [];
    const all = [...(e.value as Map<string, number>)].sort((a, b) => a[1] - b[1]);
    const picked = opts?.byScore ? all.filter(([, s]) => s >= min && s <= max) : all.slice(min, max === -1 ? undefined : max + 1);
    return opts?.withScores ? picked.flatMap(([m, s]) => [m, s]) : picked.map(([m]) => m);
  }
  private hash(key: string): Map<string, string> {
    const e = this.live(key);
    if (e && e.value instanceof Map) return e.value as Map<string, string>;
    const m = new Map<string, string>();
    this.data.set(key, { value: m, expiresAt: null });
    return m;
  }
  async hsetnx(key: string, field: string, value: unknown) {
    this.op("hsetnx");
    const h = this.hash(key);
    if (h.has(field)) return 0;
    h.set(field, ser(value));
    return 1;
  }
  async hset(key: string, kv: Record<string, unknown>) {
    this.op("hset");
    const h = this.hash(key);
    let n = 0;
    for (const [f, v] of Object.entries(kv)) {
      if (!h.has(f)) n++;
      h.set(f, ser(v));
    }
    return n;
  }
  async hincrby(key: string, field: string, by: number) {
    this.op("hincrby");
    const h = this.hash(key);
    const next = Number(h.get(field) ?? 0) + by;
    h.set(field, String(next));
    return next;
  }
  async hget(key: string, field: string) {
    this.op("hget");
    const e = this.live(key);
    return e?.value instanceof Map ? deserialize((e.value as Map<string, string>).get(field)) : null;
  }
  async hgetall(key: string) {
    this.op("hgetall");
    const e = this.live(key);
    if (!e || !(e.value instanceof Map)) return null;
    return Object.fromEntries([...(e.value as Map<string, string>)].map(([k, v]) => [k, deserialize(v)]));
  }
  private list(key: string): string[] {
    const e = this.live(key);
    if (e && Array.isArray(e.value)) return e.value;
    const l: string[] = [];
    this.data.set(key, { value: l, expiresAt: null });
    return l;
  }
  async rpush(key: string, ...values: unknown[]) {
    this.op("rpush");
    const l = this.list(key);
    l.push(...values.map(ser));
    return l.length;
  }
  async lpush(key: string, ...values: unknown[]) {
    this.op("lpush");
    const l = this.list(key);
    l.unshift(...values.map(ser).reverse());
    return l.length;
  }
  async lpop(key: string, count?: number) {
    this.op("lpop");
    const e = this.live(key);
    if (!e || !Array.isArray(e.value) || e.value.length === 0) return null;
    if (count === undefined) return deserialize(e.value.shift());
    return e.value.splice(0, count).map(deserialize);
  }
  async llen(key: string) {
    this.op("llen");
    const e = this.live(key);
    return Array.isArray(e?.value) ? e.value.length : 0;
  }
  async ltrim(key: string, start: number, stop: number) {
    this.op("ltrim");
    const e = this.live(key);
    if (e && Array.isArray(e.value)) e.value = e.value.slice(start, stop === -1 ? undefined : stop + 1);
    return "OK";
  }
}

export const memoryRedis = () => {
  const m = new MemoryRedis();
  return { fake: m, redis: m as unknown as Redis };
};
