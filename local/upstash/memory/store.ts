/**
 * In-process Redis subset (backend "memory"): the commands the app and @upstash/ratelimit use, with Redis's
 * reply types and error texts. Keys, fields, members and values are byte strings (latin1 JS strings: one char = one byte),
 * so binary values round-trip exactly. Single instance only: state lives in this process.
 */
import { ReplyError, StatusReply, type Reply } from "../reply";

export type Entry =
  | { type: "string"; value: string; expireAt?: number }
  | { type: "hash"; value: Map<string, string>; expireAt?: number }
  | { type: "set"; value: Set<string>; expireAt?: number }
  | { type: "zset"; value: Map<string, number>; expireAt?: number }
  | { type: "list"; value: string[]; expireAt?: number };

export const OK = new StatusReply("OK");
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT = "ERR value is not an integer or out of range";
const NOT_FLOAT = "ERR value is not a valid float";
const SYNTAX = "ERR syntax error";

/** Thrown inside command implementations; converted to a ReplyError value by `Store.call`. */
export class CommandError extends Error {}

export const bulk = (s: string): Buffer => Buffer.from(s, "latin1");
const bulkOrNil = (s: string | undefined): Buffer | null => (s === undefined ? null : bulk(s));

const INT_RE = /^-?(0|[1-9][0-9]*)$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export function parseInt64(s: string, message = NOT_INT): bigint {
  if (!INT_RE.test(s) || s.length > 20) throw new CommandError(message);
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) throw new CommandError(message);
  return n;
}
const parseIntArg = (s: string): number => Number(parseInt64(s));

export function parseFloatArg(s: string, message = NOT_FLOAT): number {
  const lower = s.toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (s.trim() !== s || s === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new CommandError(message);
  const n = Number(s);
  if (Number.isNaN(n)) throw new CommandError(message);
  return n;
}

/** Redis's text form of a double (scores, INCRBYFLOAT). */
export function formatDouble(n: number): string {
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  return String(Number(n.toPrecision(17))).replace(/e\+?/, "e+").replace("e+-", "e-");
}

/** Redis glob-style pattern matching (KEYS, SCAN MATCH). */
export function globMatch(pattern: string, s: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) {
        re += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`).test(s);
}
function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

type Impl = (args: string[]) => Reply;

export class Store {
  private readonly data = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly commands: Record<string, [arity: number, impl: Impl]>;
  /** Extension point for EVAL & co. (set by the Lua module). */
  scripting: Record<string, [number, Impl]> = {};

  constructor(private readonly now: () => number = Date.now) {
    this.commands = this.table();
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expireAt !== undefined && e.expireAt <= t) this.data.delete(k);
  }

  /** Runs a command given as byte strings. Errors come back as ReplyError values. */
  call(args: string[]): Reply {
    const name = (args[0] ?? "").toLowerCase();
    const spec = this.commands[name] ?? this.scripting[name];
    if (!spec) {
      const shown = args
        .slice(1)
        .map((a) => `'${a.slice(0, 128)}' `)
        .join("");
      return new ReplyError(`ERR unknown command '${(args[0] ?? "").slice(0, 128)}', with args beginning with: ${shown}`);
    }
    const [arity, impl] = spec;
    if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) {
      return new ReplyError(`ERR wrong number of arguments for '${name}' command`);
    }
    try {
      return impl(args.slice(1));
    } catch (err) {
      if (err instanceof CommandError) return new ReplyError(err.message);
      if (err instanceof ReplyError) return err;
      throw err;
    }
  }

  /** Queue-time validation as MULTI does it: unknown command or wrong arity. */
  check(args: string[]): ReplyError | null {
    const name = (args[0] ?? "").toLowerCase();
    const spec = this.commands[name] ?? this.scripting[name];
    if (!spec) return new ReplyError(`ERR unknown command '${args[0] ?? ""}'`);
    const [arity] = spec;
    if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) {
      return new ReplyError(`ERR wrong number of arguments for '${name}' command`);
    }
    return null;
  }

  /** Command names this store knows (for Lua's "Unknown Redis command" check). */
  has(name: string): boolean {
    const n = name.toLowerCase();
    return n in this.commands || n in this.scripting;
  }

  // ── key space ──────────────────────────────────────────────────────────────
  private get(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e && e.expireAt !== undefined && e.expireAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }
  private typed<T extends Entry["type"]>(key: string, type: T): Extract<Entry, { type: T }> | undefined {
    const e = this.get(key);
    if (e && e.type !== type) throw new CommandError(WRONGTYPE);
    return e as Extract<Entry, { type: T }> | undefined;
  }
  private create<T extends Entry["type"]>(key: string, type: T, init: () => Extract<Entry, { type: T }>): Extract<Entry, { type: T }> {
    const e = this.typed(key, type);
    if (e) return e;
    const fresh = init();
    this.data.set(key, fresh);
    return fresh;
  }
  private dropIfEmpty(key: string, e: Entry): void {
    const size = e.type === "string" ? 1 : e.type === "list" ? e.value.length : e.value.size;
    if (size === 0) this.data.delete(key);
  }
  private str(key: string): string | undefined {
    return this.typed(key, "string")?.value;
  }
  private setString(key: string, value: string, expireAt?: number): void {
    this.data.set(key, expireAt === undefined ? { type: "string", value } : { type: "string", value, expireAt });
  }
  keys(): string[] {
    return [...this.data.keys()].filter((k) => this.get(k) !== undefined);
  }

  private incrBy(key: string, by: bigint): number {
    const e = this.typed(key, "string");
    const cur = e ? parseInt64(e.value) : 0n;
    const next = cur + by;
    if (next > INT64_MAX || next < INT64_MIN) throw new CommandError("ERR increment or decrement would overflow");
    if (e) e.value = next.toString();
    else this.setString(key, next.toString());
    return Number(next);
  }

  private expireGeneric(args: string[], unitMs: number, absolute: boolean, cmd: string): number {
    const [key, rawWhen, ...flags] = args as [string, string, ...string[]];
    const when = parseInt64(rawWhen);
    let at = absolute ? Number(when) * unitMs : this.now() + Number(when) * unitMs;
    if (!Number.isFinite(at) || Math.abs(Number(when)) > 9.2e15 / unitMs) throw new CommandError(`ERR invalid expire time in '${cmd}' command`);
    at = Math.trunc(at);
    const opts = new Set(flags.map((f) => f.toLowerCase()));
    for (const f of opts) if (!["nx", "xx", "gt", "lt"].includes(f)) throw new CommandError(`ERR Unsupported option ${f}`);
    if (opts.has("nx") && (opts.has("xx") || opts.has("gt") || opts.has("lt")))
      throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
    if (opts.has("gt") && opts.has("lt")) throw new CommandError("ERR GT and LT options at the same time are not compatible");
    const e = this.get(key);
    if (!e) return 0;
    const cur = e.expireAt;
    if (opts.has("nx") && cur !== undefined) return 0;
    if (opts.has("xx") && cur === undefined) return 0;
    if (opts.has("gt") && (cur === undefined || at <= cur)) return 0;
    if (opts.has("lt") && cur !== undefined && at >= cur) return 0;
    if (at <= this.now()) this.data.delete(key);
    else e.expireAt = at;
    return 1;
  }

  private ttl(key: string, unitMs: number): number {
    const e = this.get(key);
    if (!e) return -2;
    if (e.expireAt === undefined) return -1;
    const left = e.expireAt - this.now();
    return unitMs === 1 ? left : Math.round(left / 1000);
  }

  private zsorted(z: Map<string, number>): [string, number][] {
    return [...z.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private parseScoreBound(s: string): { v: number; excl: boolean } {
    const excl = s.startsWith("(");
    const v = parseFloatArg(excl ? s.slice(1) : s, "ERR min or max is not a float");
    return { v, excl };
  }

  private zrangeGeneric(key: string, start: string, stop: string, opts: string[]): Reply {
    let byScore = false;
    let rev = false;
    let withScores = false;
    let limit: [number, number] | undefined;
    for (let i = 0; i < opts.length; i++) {
      const o = opts[i]!.toLowerCase();
      if (o === "byscore") byScore = true;
      else if (o === "rev") rev = true;
      else if (o === "withscores") withScores = true;
      else if (o === "limit" && i + 2 < opts.length) {
        limit = [parseIntArg(opts[i + 1]!), parseIntArg(opts[i + 2]!)];
        i += 2;
      } else if (o === "bylex") throw new CommandError("ERR BYLEX is not supported by the local in-process store");
      else throw new CommandError(SYNTAX);
    }
    if (limit && !byScore) throw new CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    const z = this.typed(key, "zset");
    let items = z ? this.zsorted(z.value) : [];
    if (byScore) {
      const lo = this.parseScoreBound(rev ? stop : start);
      const hi = this.parseScoreBound(rev ? start : stop);
      items = items.filter(([, s]) => (lo.excl ? s > lo.v : s >= lo.v) && (hi.excl ? s < hi.v : s <= hi.v));
      if (rev) items.reverse();
      if (limit) {
        const [off, count] = limit;
        items = off < 0 ? [] : items.slice(off, count < 0 ? undefined : off + count);
      }
    } else {
      if (rev) items.reverse();
      const len = items.length;
      let a = parseIntArg(start);
      let b = parseIntArg(stop);
      if (a < 0) a = Math.max(len + a, 0);
      if (b < 0) b = len + b;
      if (b >= len) b = len - 1;
      items = a > b || a >= len ? [] : items.slice(a, b + 1);
    }
    return items.flatMap(([m, s]) => (withScores ? [bulk(m), bulk(formatDouble(s))] : [bulk(m)]));
  }

  private listRange(len: number, start: number, stop: number): [number, number] | null {
    let a = start < 0 ? Math.max(len + start, 0) : start;
    let b = stop < 0 ? len + stop : stop;
    if (b >= len) b = len - 1;
    if (a > b || a >= len) return null;
    a = Math.max(a, 0);
    return [a, b];
  }

  private pop(key: string, countArg: string | undefined, fromLeft: boolean): Reply {
    const l = this.typed(key, "list");
    if (countArg !== undefined) {
      const count = parseIntArg(countArg);
      if (count < 0) throw new CommandError("ERR value is out of range, must be positive");
      if (!l) return null;
      const out = fromLeft ? l.value.splice(0, count) : l.value.splice(Math.max(l.value.length - count, 0)).reverse();
      this.dropIfEmpty(key, l);
      return out.map(bulk);
    }
    if (!l) return null;
    const v = fromLeft ? l.value.shift() : l.value.pop();
    this.dropIfEmpty(key, l);
    return bulkOrNil(v);
  }

  private table(): Record<string, [number, Impl]> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the command table's closures read better with a short name
    const s = this;
    return {
      ping: [-1, (a) => (a.length === 0 ? new StatusReply("PONG") : a.length === 1 ? bulk(a[0]!) : new ReplyError("ERR wrong number of arguments for 'ping' command"))],
      echo: [2, ([m]) => bulk(m!)],
      time: [1, () => {
        const t = Date.now();
        const us = (performance.timeOrigin + performance.now()) * 1000;
        return [bulk(String(Math.floor(t / 1000))), bulk(String(Math.floor(us % 1_000_000)))];
      }],
      dbsize: [1, () => s.keys().length],
      flushdb: [-1, () => (s.data.clear(), OK)],
      flushall: [-1, () => (s.data.clear(), OK)],
      type: [2, ([k]) => new StatusReply(s.get(k!)?.type ?? "none")],
      del: [-2, (keys) => keys.reduce((n, k) => n + (s.get(k) ? (s.data.delete(k), 1) : 0), 0)],
      unlink: [-2, (keys) => keys.reduce((n, k) => n + (s.get(k) ? (s.data.delete(k), 1) : 0), 0)],
      exists: [-2, (keys) => keys.filter((k) => s.get(k)).length],
      expire: [-3, (a) => s.expireGeneric(a, 1000, false, "expire")],
      pexpire: [-3, (a) => s.expireGeneric(a, 1, false, "pexpire")],
      expireat: [-3, (a) => s.expireGeneric(a, 1000, true, "expireat")],
      pexpireat: [-3, (a) => s.expireGeneric(a, 1, true, "pexpireat")],
      ttl: [2, ([k]) => s.ttl(k!, 1000)],
      pttl: [2, ([k]) => s.ttl(k!, 1)],
      persist: [2, ([k]) => {
        const e = s.get(k!);
        if (!e || e.expireAt === undefined) return 0;
        delete e.expireAt;
        return 1;
      }],
      keys: [2, ([p]) => s.keys().filter((k) => globMatch(p!, k)).sort().map(bulk)],
      scan: [-2, ([cursorArg, ...rest]) => {
        const cursor = parseInt64(cursorArg!, "ERR invalid cursor");
        let match: string | undefined;
        let count = 10;
        let type: string | undefined;
        for (let i = 0; i < rest.length; i += 2) {
          const o = rest[i]!.toLowerCase();
          const v = rest[i + 1];
          if (v === undefined) throw new CommandError(SYNTAX);
          if (o === "match") match = v;
          else if (o === "count") {
            count = parseIntArg(v);
            if (count < 1) throw new CommandError(SYNTAX);
          } else if (o === "type") type = v.toLowerCase();
          else throw new CommandError(SYNTAX);
        }
        const all = s.keys().sort();
        const start = Number(cursor);
        const page = all.slice(start, start + count);
        const next = start + count >= all.length ? 0 : start + count;
        const keys = page.filter((k) => (!match || globMatch(match, k)) && (!type || s.get(k)?.type === type));
        return [bulk(String(next)), keys.map(bulk)];
      }],

      // strings
      get: [2, ([k]) => bulkOrNil(s.str(k!))],
      getdel: [2, ([k]) => {
        const v = s.str(k!);
        if (v !== undefined) s.data.delete(k!);
        return bulkOrNil(v);
      }],
      set: [-3, ([k, v, ...opts]) => {
        let nx = false, xx = false, get = false, keepttl = false;
        let expireAt: number | undefined;
        const bad = () => new CommandError(SYNTAX);
        for (let i = 0; i < opts.length; i++) {
          const o = opts[i]!.toLowerCase();
          if (o === "nx" && !xx) nx = true;
          else if (o === "xx" && !nx) xx = true;
          else if (o === "get") get = true;
          else if (o === "keepttl" && expireAt === undefined) keepttl = true;
          else if (["ex", "px", "exat", "pxat"].includes(o) && expireAt === undefined && !keepttl) {
            const raw = opts[++i];
            if (raw === undefined) throw bad();
            const n = Number(parseInt64(raw));
            if (n <= 0) throw new CommandError("ERR invalid expire time in 'set' command");
            expireAt = o === "ex" ? s.now() + n * 1000 : o === "px" ? s.now() + n : o === "exat" ? n * 1000 : n;
          } else throw bad();
        }
        const existing = s.get(k!);
        let old: Reply = null;
        if (get) {
          if (existing && existing.type !== "string") throw new CommandError(WRONGTYPE);
          old = bulkOrNil(existing?.value as string | undefined);
        }
        if ((nx && existing) || (xx && !existing)) return get ? old : null;
        const keep = keepttl && existing ? existing.expireAt : undefined;
        s.setString(k!, v!, expireAt ?? keep);
        return get ? old : OK;
      }],
      setnx: [3, ([k, v]) => (s.get(k!) ? 0 : (s.setString(k!, v!), 1))],
      setex: [4, ([k, sec, v]) => {
        const n = Number(parseInt64(sec!));
        if (n <= 0) throw new CommandError("ERR invalid expire time in 'setex' command");
        s.setString(k!, v!, s.now() + n * 1000);
        return OK;
      }],
      psetex: [4, ([k, ms, v]) => {
        const n = Number(parseInt64(ms!));
        if (n <= 0) throw new CommandError("ERR invalid expire time in 'psetex' command");
        s.setString(k!, v!, s.now() + n);
        return OK;
      }],
      getset: [3, ([k, v]) => {
        const old = s.str(k!);
        s.setString(k!, v!);
        return bulkOrNil(old);
      }],
      mget: [-2, (keys) => keys.map((k) => {
        const e = s.get(k);
        return e?.type === "string" ? bulk(e.value) : null;
      })],
      mset: [-3, (a) => {
        if (a.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'mset' command");
        for (let i = 0; i < a.length; i += 2) s.setString(a[i]!, a[i + 1]!);
        return OK;
      }],
      incr: [2, ([k]) => s.incrBy(k!, 1n)],
      decr: [2, ([k]) => s.incrBy(k!, -1n)],
      incrby: [3, ([k, by]) => s.incrBy(k!, parseInt64(by!))],
      decrby: [3, ([k, by]) => s.incrBy(k!, -parseInt64(by!))],
      incrbyfloat: [3, ([k, by]) => {
        const e = s.typed(k!, "string");
        const cur = e ? parseFloatArg(e.value) : 0;
        const next = cur + parseFloatArg(by!);
        if (!Number.isFinite(next)) throw new CommandError("ERR increment would produce NaN or Infinity");
        const text = formatDouble(next);
        if (e) e.value = text;
        else s.setString(k!, text);
        return bulk(text);
      }],
      append: [3, ([k, v]) => {
        const e = s.typed(k!, "string");
        if (e) e.value += v!;
        else s.setString(k!, v!);
        return (e?.value ?? v!).length;
      }],
      strlen: [2, ([k]) => s.str(k!)?.length ?? 0],

      // hashes
      hset: [-4, ([k, ...fv]) => {
        if (fv.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'hset' command");
        const h = s.create(k!, "hash", () => ({ type: "hash", value: new Map() }));
        let added = 0;
        for (let i = 0; i < fv.length; i += 2) {
          if (!h.value.has(fv[i]!)) added++;
          h.value.set(fv[i]!, fv[i + 1]!);
        }
        return added;
      }],
      hmset: [-4, ([k, ...fv]) => {
        if (fv.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'hmset' command");
        const h = s.create(k!, "hash", () => ({ type: "hash", value: new Map() }));
        for (let i = 0; i < fv.length; i += 2) h.value.set(fv[i]!, fv[i + 1]!);
        return OK;
      }],
      hsetnx: [4, ([k, f, v]) => {
        const h = s.create(k!, "hash", () => ({ type: "hash", value: new Map() }));
        if (h.value.has(f!)) return 0;
        h.value.set(f!, v!);
        return 1;
      }],
      hget: [3, ([k, f]) => bulkOrNil(s.typed(k!, "hash")?.value.get(f!))],
      hmget: [-3, ([k, ...fs]) => {
        const h = s.typed(k!, "hash");
        return fs.map((f) => bulkOrNil(h?.value.get(f)));
      }],
      hgetall: [2, ([k]) => [...(s.typed(k!, "hash")?.value ?? new Map<string, string>())].flatMap(([f, v]) => [bulk(f), bulk(v)])],
      hkeys: [2, ([k]) => [...(s.typed(k!, "hash")?.value.keys() ?? [])].map(bulk)],
      hvals: [2, ([k]) => [...(s.typed(k!, "hash")?.value.values() ?? [])].map(bulk)],
      hlen: [2, ([k]) => s.typed(k!, "hash")?.value.size ?? 0],
      hexists: [3, ([k, f]) => (s.typed(k!, "hash")?.value.has(f!) ? 1 : 0)],
      hdel: [-3, ([k, ...fs]) => {
        const h = s.typed(k!, "hash");
        if (!h) return 0;
        const n = fs.filter((f) => h.value.delete(f)).length;
        s.dropIfEmpty(k!, h);
        return n;
      }],
      hincrby: [4, ([k, f, by]) => {
        const inc = parseInt64(by!);
        const h = s.create(k!, "hash", () => ({ type: "hash", value: new Map() }));
        const cur = h.value.get(f!);
        const base = cur === undefined ? 0n : parseInt64(cur, "ERR hash value is not an integer");
        const next = base + inc;
        if (next > INT64_MAX || next < INT64_MIN) throw new CommandError("ERR increment or decrement would overflow");
        h.value.set(f!, next.toString());
        return Number(next);
      }],

      // sets
      sadd: [-3, ([k, ...ms]) => {
        const st = s.create(k!, "set", () => ({ type: "set", value: new Set() }));
        let added = 0;
        for (const m of ms) {
          if (st.value.has(m)) continue;
          st.value.add(m);
          added++;
        }
        return added;
      }],
      srem: [-3, ([k, ...ms]) => {
        const st = s.typed(k!, "set");
        if (!st) return 0;
        const n = ms.filter((m) => st.value.delete(m)).length;
        s.dropIfEmpty(k!, st);
        return n;
      }],
      smembers: [2, ([k]) => [...(s.typed(k!, "set")?.value ?? [])].map(bulk)],
      sismember: [3, ([k, m]) => (s.typed(k!, "set")?.value.has(m!) ? 1 : 0)],
      smismember: [-3, ([k, ...ms]) => {
        const st = s.typed(k!, "set");
        return ms.map((m) => (st?.value.has(m) ? 1 : 0));
      }],
      scard: [2, ([k]) => s.typed(k!, "set")?.value.size ?? 0],

      // sorted sets
      zadd: [-4, ([k, ...rest]) => {
        const flags = new Set<string>();
        let i = 0;
        while (i < rest.length && ["nx", "xx", "gt", "lt", "ch", "incr"].includes(rest[i]!.toLowerCase())) flags.add(rest[i++]!.toLowerCase());
        const pairs = rest.slice(i);
        if (pairs.length === 0 || pairs.length % 2 !== 0) throw new CommandError(SYNTAX);
        if (flags.has("nx") && flags.has("xx")) throw new CommandError("ERR XX and NX options at the same time are not compatible");
        if ((flags.has("gt") && flags.has("lt")) || (flags.has("nx") && (flags.has("gt") || flags.has("lt"))))
          throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
        if (flags.has("incr") && pairs.length !== 2) throw new CommandError("ERR INCR option supports a single increment-element pair");
        const scores = [];
        for (let j = 0; j < pairs.length; j += 2) scores.push(parseFloatArg(pairs[j]!));
        const z = s.create(k!, "zset", () => ({ type: "zset", value: new Map() }));
        let added = 0;
        let changed = 0;
        let incrResult: number | null = null;
        for (let j = 0; j < pairs.length; j += 2) {
          const m = pairs[j + 1]!;
          const cur = z.value.get(m);
          let score = scores[j / 2]!;
          if (flags.has("incr")) score = (cur ?? 0) + score;
          if (cur === undefined ? flags.has("xx") : flags.has("nx")) continue;
          if (cur !== undefined && ((flags.has("gt") && score <= cur) || (flags.has("lt") && score >= cur))) continue;
          if (cur === undefined) added++;
          else if (cur !== score) changed++;
          z.value.set(m, score);
          incrResult = score;
        }
        s.dropIfEmpty(k!, z);
        if (flags.has("incr")) return incrResult === null ? null : bulk(formatDouble(incrResult));
        return flags.has("ch") ? added + changed : added;
      }],
      zincrby: [4, ([k, by, m]) => {
        const inc = parseFloatArg(by!);
        const z = s.create(k!, "zset", () => ({ type: "zset", value: new Map() }));
        const next = (z.value.get(m!) ?? 0) + inc;
        z.value.set(m!, next);
        return bulk(formatDouble(next));
      }],
      zrem: [-3, ([k, ...ms]) => {
        const z = s.typed(k!, "zset");
        if (!z) return 0;
        const n = ms.filter((m) => z.value.delete(m)).length;
        s.dropIfEmpty(k!, z);
        return n;
      }],
      zcard: [2, ([k]) => s.typed(k!, "zset")?.value.size ?? 0],
      zscore: [3, ([k, m]) => {
        const v = s.typed(k!, "zset")?.value.get(m!);
        return v === undefined ? null : bulk(formatDouble(v));
      }],
      zrank: [3, ([k, m]) => {
        const z = s.typed(k!, "zset");
        if (!z || !z.value.has(m!)) return null;
        return s.zsorted(z.value).findIndex(([x]) => x === m);
      }],
      zcount: [4, ([k, min, max]) => {
        const lo = s.parseScoreBound(min!);
        const hi = s.parseScoreBound(max!);
        const z = s.typed(k!, "zset");
        return [...(z?.value.values() ?? [])].filter((v) => (lo.excl ? v > lo.v : v >= lo.v) && (hi.excl ? v < hi.v : v <= hi.v)).length;
      }],
      zrange: [-4, ([k, a, b, ...opts]) => s.zrangeGeneric(k!, a!, b!, opts)],
      zrevrange: [-4, ([k, a, b, ...opts]) => s.zrangeGeneric(k!, a!, b!, [...opts, "REV"])],
      zrangebyscore: [-4, ([k, a, b, ...opts]) => s.zrangeGeneric(k!, a!, b!, ["BYSCORE", ...opts])],
      zremrangebyscore: [4, ([k, min, max]) => {
        const lo = s.parseScoreBound(min!);
        const hi = s.parseScoreBound(max!);
        const z = s.typed(k!, "zset");
        if (!z) return 0;
        let n = 0;
        for (const [m, v] of z.value) {
          if ((lo.excl ? v > lo.v : v >= lo.v) && (hi.excl ? v < hi.v : v <= hi.v)) {
            z.value.delete(m);
            n++;
          }
        }
        s.dropIfEmpty(k!, z);
        return n;
      }],
      zremrangebyrank: [4, ([k, a, b]) => {
        const z = s.typed(k!, "zset");
        if (!z) return 0;
        const sorted = s.zsorted(z.value);
        const r = s.listRange(sorted.length, parseIntArg(a!), parseIntArg(b!));
        if (!r) return 0;
        for (const [m] of sorted.slice(r[0], r[1] + 1)) z.value.delete(m);
        s.dropIfEmpty(k!, z);
        return r[1] - r[0] + 1;
      }],

      // lists
      lpush: [-3, ([k, ...vs]) => {
        const l = s.create(k!, "list", () => ({ type: "list", value: [] }));
        for (const v of vs) l.value.unshift(v);
        return l.value.length;
      }],
      rpush: [-3, ([k, ...vs]) => {
        const l = s.create(k!, "list", () => ({ type: "list", value: [] }));
        l.value.push(...vs);
        return l.value.length;
      }],
      lpop: [-2, ([k, count]) => s.pop(k!, count, true)],
      rpop: [-2, ([k, count]) => s.pop(k!, count, false)],
      llen: [2, ([k]) => s.typed(k!, "list")?.value.length ?? 0],
      lindex: [3, ([k, i]) => {
        const l = s.typed(k!, "list");
        let idx = parseIntArg(i!);
        if (!l) return null;
        if (idx < 0) idx += l.value.length;
        return bulkOrNil(l.value[idx]);
      }],
      lrange: [4, ([k, a, b]) => {
        const start = parseIntArg(a!);
        const stop = parseIntArg(b!);
        const l = s.typed(k!, "list");
        if (!l) return [];
        const r = s.listRange(l.value.length, start, stop);
        return r ? l.value.slice(r[0], r[1] + 1).map(bulk) : [];
      }],
      ltrim: [4, ([k, a, b]) => {
        const start = parseIntArg(a!);
        const stop = parseIntArg(b!);
        const l = s.typed(k!, "list");
        if (!l) return OK;
        const r = s.listRange(l.value.length, start, stop);
        l.value = r ? l.value.slice(r[0], r[1] + 1) : [];
        s.dropIfEmpty(k!, l);
        return OK;
      }],
      lrem: [4, ([k, c, v]) => {
        const count = parseIntArg(c!);
        const l = s.typed(k!, "list");
        if (!l) return 0;
        let removed = 0;
        const limit = count === 0 ? Infinity : Math.abs(count);
        const order = count < 0 ? [...l.value.keys()].reverse() : [...l.value.keys()];
        const drop = new Set<number>();
        for (const i of order) {
          if (removed >= limit) break;
          if (l.value[i] !== v) continue;
          drop.add(i);
          removed++;
        }
        l.value = l.value.filter((_, i) => !drop.has(i));
        s.dropIfEmpty(k!, l);
        return removed;
      }],
    };
  }
}
