/**
 * Authentication-failure tracking and temporary blocks (the seed's auth_monitor, shared by every instance via Redis).
 * EDGE-SAFE: only @upstash/redis and Web APIs — middleware.ts imports it.
 *
 * Failures are counted in three sliding windows: per IP (IPv6 grouped by /64), per account (email or user id) and per
 * IP+account. Reaching `maxFailures` within `windowMs` blocks THAT key for `blockMs`. Blocks are temporary and can be
 * lifted (`liftBlock`). Every step is audited: authn_login_fail, authn_login_fail_max, authn_login_lock,
 * authn_login_unlock.
 *
 * Lock-out DoS (ASVS v5.0.0-6.1.1): the account key only gates password/OTP/MFA attempts at the gateway; already
 * issued bearer tokens are checked against the IP key only, so an attacker cannot sign a victim out by failing logins.
 */
import type { Redis } from "@upstash/redis";
import type { AuditSink } from "@/lib/audit/types";
import { ipKey } from "@/lib/security/client-ip";

export const AUTH_MONITOR_POLICY = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  blockMs: 30 * 60_000,
} as const;

export type AuthMonitorRedis = Pick<Redis, "mget" | "set" | "del" | "zadd" | "zremrangebyscore" | "zcard" | "pexpire" | "zrem" | "zrange">;

export interface Subject {
  ip: string | null;
  account?: string | null;
}

export interface BlockStatus {
  blocked: boolean;
  retryAfterSeconds: number;
  /** The subject key that is blocked (e.g. "ip:203.0.113.7"), for audit and admin. */
  key?: string;
}

export interface FailureInput extends Subject {
  reason: string;
  userAgent?: string | null;
  userId?: string | null;
}

export interface BlockEntry {
  key: string;
  until: number;
}

const FAIL_PREFIX = "af:f:";
const BLOCK_PREFIX = "af:b:";
const BLOCK_INDEX = "af:blocks";

/** Subject keys are lower-cased and length-capped; nothing from the request reaches Redis unbounded. */
export function subjectKeys({ ip, account }: Subject): string[] {
  const ipPart = `ip:${ipKey(ip)}`;
  const acct = account ? account.trim().toLowerCase().slice(0, 320) : "";
  return acct ? [ipPart, `acct:${acct}`, `ipacct:${ipKey(ip)}|${acct}`] : [ipPart];
}

export interface AuthMonitorOptions {
  redis: AuthMonitorRedis;
  audit?: AuditSink;
  now?: () => number;
  policy?: Partial<typeof AUTH_MONITOR_POLICY>;
}

export interface AuthMonitor {
  checkBlocked(subject: Subject): Promise<BlockStatus>;
  recordAuthFailure(input: FailureInput): Promise<BlockStatus>;
  liftBlock(key: string, actorUserId?: string | null): Promise<boolean>;
  listBlocks(): Promise<BlockEntry[]>;
}

export function createAuthMonitor(options: AuthMonitorOptions): AuthMonitor {
  const policy = { ...AUTH_MONITOR_POLICY, ...options.policy };
  if (policy.maxFailures < 1 || policy.windowMs <= 0 || policy.blockMs <= 0) throw new TypeError("invalid auth-monitor policy");
  const { redis } = options;
  const now = options.now ?? Date.now;
  const audit: AuditSink = options.audit ?? (() => {});

  async function statusOf(keys: string[]): Promise<BlockStatus> {
    const values = await redis.mget<unknown[]>(...keys.map((k) => BLOCK_PREFIX + k));
    const t = now();
    let best: BlockStatus = { blocked: false, retryAfterSeconds: 0 };
    values.forEach((v, i) => {
      const until = Number(v);
      if (v !== null && Number.isFinite(until) && until > t) {
        const retry = Math.ceil((until - t) / 1000);
        if (retry > best.retryAfterSeconds) best = { blocked: true, retryAfterSeconds: retry, key: keys[i] };
      }
    });
    return best;
  }

  return {
    checkBlocked: (subject) => statusOf(subjectKeys(subject)),

    async recordAuthFailure(input) {
      const keys = subjectKeys(input);
      const t = now();
      const member = `${t}:${crypto.randomUUID()}`;
      // Issued together so @upstash/redis sends them in one pipeline, in order.
      const counts = await Promise.all(
        keys.map(async (key) => {
          const k = FAIL_PREFIX + key;
          const [, , count] = await Promise.all([
            redis.zremrangebyscore(k, 0, t - policy.windowMs),
            redis.zadd(k, { score: t, member }),
            redis.zcard(k),
            redis.pexpire(k, policy.windowMs),
          ]);
          return Number(count);
        }),
      );
      const base = { ip: input.ip, userAgent: input.userAgent ?? null, actorUserId: input.userId ?? null };
      await audit({ ...base, event: "authn_login_fail", outcome: "failure", target: keys[keys.length - 1], details: { reason: input.reason, counts } });
      for (const [i, key] of keys.entries()) {
        if ((counts[i] ?? 0) < policy.maxFailures) continue;
        const until = t + policy.blockMs;
        // NX: concurrent failures past the threshold lock once and do not extend the block.
        const set = await redis.set(BLOCK_PREFIX + key, until, { px: policy.blockMs, nx: true });
        if (set === null) continue;
        await redis.zadd(BLOCK_INDEX, { score: until, member: key });
        await audit({ ...base, event: "authn_login_fail_max", outcome: "failure", target: key, details: { failures: counts[i], windowMs: policy.windowMs } });
        await audit({ ...base, event: "authn_login_lock", outcome: "success", target: key, details: { until: new Date(until).toISOString() } });
      }
      return statusOf(keys);
    },

    async liftBlock(key, actorUserId) {
      const [deleted] = await Promise.all([redis.del(BLOCK_PREFIX + key, FAIL_PREFIX + key), redis.zrem(BLOCK_INDEX, key)]);
      await audit({ event: "authn_login_unlock", outcome: "success", actorUserId: actorUserId ?? null, target: key, details: { lifted: deleted > 0 } });
      return deleted > 0;
    },

    async listBlocks() {
      const t = now();
      await redis.zremrangebyscore(BLOCK_INDEX, 0, t);
      const flat = (await redis.zrange(BLOCK_INDEX, 0, -1, { withScores: true })) as unknown[];
      const out: BlockEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ key: String(flat[i]), until: Number(flat[i + 1]) });
      return out;
    },
  };
}
