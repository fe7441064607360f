/**
 * The shared Redis list `audit:q` (edge-safe): the Edge runtime (middleware) queues audit events here because it
 * cannot reach Postgres, and the Node writer spills overflow here. Every Node flush drains it into public.audit_logs.
 */
import type { Redis } from "@upstash/redis";
import type { ChainRow } from "./chain";
import { normalizeAuditEvent, parseQueuedRow } from "./normalize";
import type { AuditEventInput } from "./types";
import { logger } from "@/lib/logger";

export const AUDIT_QUEUE_KEY = "audit:q";

export type AuditQueueRedis = Pick<Redis, "rpush" | "lpop">;

export function createRedisAuditQueue(redis: AuditQueueRedis, key = AUDIT_QUEUE_KEY) {
  return {
    async push(rows: ChainRow[]) {
      if (rows.length > 0) await redis.rpush(key, ...rows.map((r) => JSON.stringify(r)));
    },
    async take(max: number): Promise<ChainRow[]> {
      const items = await redis.lpop<unknown[]>(key, max);
      if (!items) return [];
      return (Array.isArray(items) ? items : [items]).map(parseQueuedRow).filter((r): r is ChainRow => r !== null);
    },
  };
}

/**
 * Edge-safe audit: normalizes (redacts) the event, mirrors it to the log and pushes it to the Redis list.
 * Never throws; if Redis is unreachable the event survives in the error log.
 */
export async function queueAuditEvent(redis: AuditQueueRedis, event: AuditEventInput): Promise<void> {
  const row = normalizeAuditEvent(event);
  logger.info(`audit ${row.event}`, { audit: row, via: "edge-queue" });
  try {
    await redis.rpush(AUDIT_QUEUE_KEY, JSON.stringify(row));
  } catch (err) {
    logger.error("audit queue unavailable: event kept in log only", { event: "sys_monitor", audit: row, error: err });
  }
}
