/**
 * Token usage monitoring (seed finding #6), keyed by session_id — never by the token string.
 * Per session: first seen, last used, use count in a Redis hash (`tm:<session_id>`), written in one pipeline per use.
 * Alerts (audit `sys_monitor` + warn log) ONCE per session when it is used more than 1000 times or is older than 24 h.
 * Edge-safe.
 */
import type { Redis } from "@upstash/redis";
import type { AuditSink } from "@/lib/audit/types";

export const TOKEN_METRICS_POLICY = {
  maxUses: 1000,
  maxAgeMs: 24 * 60 * 60_000,
  /** Kept past maxAge so a long-lived session is still recognised as old. */
  ttlSeconds: 2 * 24 * 60 * 60,
} as const;

export type TokenMetricsRedis = Pick<Redis, "hsetnx" | "hset" | "hincrby" | "hget" | "expire">;

export interface TokenUse {
  sessionId: string;
  userId: string;
  ip?: string | null;
  /** Uses being reported at once (buffered recorder); default 1. */
  count?: number;
  /** When the (last of these) use(s) happened, ms; default now. */
  at?: number;
}

export interface TokenUsage {
  firstSeen: number;
  lastUsed: number;
  useCount: number;
  alerted: boolean;
  reason?: "use_count" | "age";
}

export interface TokenMetricsOptions {
  redis: TokenMetricsRedis;
  audit?: AuditSink;
  onAlert?: (use: TokenUse, usage: TokenUsage) => void;
  now?: () => number;
  policy?: Partial<typeof TOKEN_METRICS_POLICY>;
}

export const metricsKey = (sessionId: string) => `tm:${sessionId}`;

export function createTokenMetrics(options: TokenMetricsOptions) {
  const policy = { ...TOKEN_METRICS_POLICY, ...options.policy };
  const { redis } = options;
  const now = options.now ?? Date.now;

  return async function recordTokenUse(use: TokenUse): Promise<TokenUsage> {
    const key = metricsKey(use.sessionId);
    const t = use.at ?? now();
    const [, , count, first] = await Promise.all([
      redis.hsetnx(key, "first", t),
      redis.hset(key, { last: t }),
      redis.hincrby(key, "count", use.count ?? 1),
      redis.hget<number | string>(key, "first"),
      redis.expire(key, policy.ttlSeconds),
    ]);
    const firstSeen = Number(first ?? t);
    const usage: TokenUsage = { firstSeen, lastUsed: t, useCount: Number(count), alerted: false };
    const reason = usage.useCount > policy.maxUses ? "use_count" : t - firstSeen > policy.maxAgeMs ? "age" : undefined;
    if (!reason) return usage;
    // HSETNX makes the alert once-per-session across all instances.
    if ((await redis.hsetnx(key, "alerted", t)) !== 1) return usage;
    usage.alerted = true;
    usage.reason = reason;
    options.onAlert?.(use, usage);
    await options.audit?.({
      event: "sys_monitor",
      outcome: "info",
      actorUserId: use.userId,
      sessionId: use.sessionId,
      ip: use.ip ?? null,
      target: `session:${use.sessionId}`,
      details: { alert: "suspicious_token_usage", reason, useCount: usage.useCount, firstSeen: new Date(firstSeen).toISOString() },
    });
    return usage;
  };
}

/**
 * Per-instance batching in front of `recordTokenUse`: uses are summed per session in memory and written every
 * `intervalMs` (one pipeline per flush instead of one Redis request per API call), so monitoring stays off the hot
 * path. Bounded: at `maxSessions` distinct sessions the buffer is flushed early. Alerts are delayed by ≤ intervalMs.
 */
export function createBufferedTokenMetrics(options: {
  record: (use: TokenUse) => Promise<unknown>;
  intervalMs?: number;
  maxSessions?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}) {
  const intervalMs = options.intervalMs ?? 1_000;
  const maxSessions = options.maxSessions ?? 10_000;
  const now = options.now ?? Date.now;
  let pending = new Map<string, Required<Omit<TokenUse, "ip">> & { ip: string | null }>();
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = [...pending.values()];
    pending = new Map();
    await Promise.all(batch.map((use) => options.record(use).catch((err) => options.onError?.(err))));
  }

  function add(use: TokenUse): Promise<void> {
    const entry = pending.get(use.sessionId);
    if (entry) {
      entry.count += use.count ?? 1;
      entry.at = now();
    } else {
      pending.set(use.sessionId, { sessionId: use.sessionId, userId: use.userId, ip: use.ip ?? null, count: use.count ?? 1, at: now() });
    }
    if (pending.size >= maxSessions) return flush();
    if (!timer) {
      timer = setTimeout(() => void flush(), intervalMs);
      timer.unref?.();
    }
    return Promise.resolve();
  }

  return { add, flush };
}
