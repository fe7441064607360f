/**
 * Node entry point: `auditEvent(event)` — synchronous, buffered, written off the response path by a timer.
 * One writer per process, wired to lib/db (Postgres) and lib/redis (overflow + Edge queue).
 */
import { db } from "@/lib/db";
import { redis } from "@/lib/redis";
import { logger } from "@/lib/logger";
import { createAuditWriter, type AuditWriter } from "./writer";
import { createRedisAuditQueue } from "./queue";
import type { AuditEventInput } from "./types";

export type { AuditEventInput, AuditEventName, AuditOutcome } from "./types";
export { verifyAuditChain } from "./verify-chain";

let writer: AuditWriter | undefined;

/** How often each Node instance drains the Edge queue even when it has nothing of its own to write. */
export const EDGE_DRAIN_INTERVAL_MS = 5_000;

export function auditWriter(): AuditWriter {
  if (!writer) {
    const w = createAuditWriter({ pool: db(), queue: createRedisAuditQueue(redis()) });
    setInterval(() => void w.flush().catch(() => {}), EDGE_DRAIN_INTERVAL_MS).unref?.();
    writer = w;
  }
  return writer;
}

/** Records an audit event. Never throws, never awaits the database. */
export function auditEvent(event: AuditEventInput): void {
  try {
    auditWriter().enqueue(event);
  } catch (err) {
    logger.error("audit: writer unavailable, event kept in log only", { event: "sys_monitor", audit: event, error: err });
  }
}

/** Drains the Edge queue and the local buffer now (health checks, admin views, tests). */
export function flushAudit(): Promise<number> {
  return auditWriter().flush();
}

/** Called once at server start (instrumentation.ts): Edge-queued events are drained even before the first local one. */
export function startAuditDrain(): void {
  try {
    auditWriter();
  } catch (err) {
    logger.error("audit: could not start the drain", { event: "sys_monitor", error: err });
  }
}
