/**
 * Buffered audit writer (Node only). `enqueue()` is synchronous and never touches the network on the caller's path;
 * a timer flushes batches to public.audit_logs with retry and exponential backoff.
 *
 * No silent loss:
 * - Postgres down → rows stay in the in-memory buffer (bounded) and are retried until it is back;
 * - buffer full → the event is spilled to the shared Redis list (the same list the Edge runtime queues into, drained
 *   by every flush); if Redis fails too, the complete event is written to the error log (the log mirror) and counted.
 * - rows Postgres refuses as data errors (SQLSTATE 22/23) are retried one by one and a refused row goes to the error
 *   log instead of blocking the queue forever.
 *
 * One chain across instances: each batch runs in a transaction holding a transaction-scoped advisory lock, reads the
 * newest hash and appends, so concurrent writers serialize and ids follow chain order.
 */
import type { Pool, PoolClient } from "pg";
import { logger } from "@/lib/logger";
import { GENESIS_HASH, rowHash, type ChainRow } from "./chain";
import { normalizeAuditEvent } from "./normalize";
import type { AuditEventInput } from "./types";

/** pg_advisory_xact_lock key for the audit chain ("audit_ch" in ASCII). */
export const AUDIT_CHAIN_LOCK = 0x61756469745f6368n.toString();

export const AUDIT_WRITER_DEFAULTS = {
  maxBuffer: 10_000,
  batchSize: 200,
  flushDelayMs: 25,
  minBackoffMs: 250,
  maxBackoffMs: 15_000,
  /** Edge-queued events drained per flush. */
  drainBatch: 200,
} as const;

export interface AuditQueue {
  /** Pushes serialized rows (used for overflow). */
  push(rows: ChainRow[]): Promise<void>;
  /** Removes and returns up to `max` rows queued by the Edge runtime or by overflow. */
  take(max: number): Promise<ChainRow[]>;
}

export interface AuditWriterOptions {
  pool: Pick<Pool, "connect">;
  queue?: AuditQueue;
  maxBuffer?: number;
  batchSize?: number;
  flushDelayMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Disable the automatic timer (tests call flush()). */
  manual?: boolean;
}

export interface AuditWriter {
  enqueue(event: AuditEventInput): void;
  /** Writes everything buffered (and drains the queue once). Resolves to the number of rows written. */
  flush(): Promise<number>;
  pending(): number;
  stats(): { written: number; spilled: number; logged: number; failures: number };
  stop(): void;
}

const isDataError = (err: unknown) => /^2[23]/.test(String((err as { code?: unknown })?.code ?? ""));

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const o = { ...AUDIT_WRITER_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const buffer: ChainRow[] = [];
  const stats = { written: 0, spilled: 0, logged: 0, failures: 0 };
  let inflight: Promise<number> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let backoff = 0;
  let outageLogged = false;
  let stopped = false;

  function schedule(delay: number) {
    if (options.manual || stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, delay);
    timer.unref?.();
  }

  function overflow(rows: ChainRow[]) {
    const spill = options.queue
      ? options.queue.push(rows).then(() => void (stats.spilled += rows.length))
      : Promise.reject(new Error("no overflow queue"));
    spill.catch(() => {
      stats.logged += rows.length;
      for (const row of rows) logger.error("audit overflow: event kept in log only", { event: "sys_monitor", audit: row });
    });
  }

  async function insert(client: PoolClient, rows: ChainRow[]) {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [AUDIT_CHAIN_LOCK]);
      const head = await client.query<{ hash: string }>("SELECT hash FROM public.audit_logs ORDER BY id DESC LIMIT 1");
      let prev = head.rows[0]?.hash ?? GENESIS_HASH;
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (const row of rows) {
        const hash = rowHash(prev, row);
        const b = values.length;
        tuples.push(`(${Array.from({ length: 11 }, (_, i) => `$${b + i + 1}`).join(",")})`);
        values.push(row.occurredAt, row.event, row.outcome, row.actorUserId, row.sessionId, row.ip, row.userAgent, row.target, JSON.stringify(row.details), prev, hash);
        prev = hash;
      }
      await client.query(
        `INSERT INTO public.audit_logs (occurred_at, event, outcome, actor_user_id, session_id, ip, user_agent, target, details, prev_hash, hash) VALUES ${tuples.join(",")}`,
        values,
      );
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  }

  async function writeBatch(rows: ChainRow[]): Promise<void> {
    const client = await options.pool.connect();
    // A connection lost mid-batch surfaces as a query rejection; without this listener pg would ALSO emit an
    // 'error' event on the checked-out client and crash the process.
    const onError = () => {};
    client.on("error", onError);
    let broken: unknown;
    try {
      try {
        await insert(client, rows);
      } catch (err) {
        if (!isDataError(err) || rows.length === 1) throw err;
        // A poison row must not block the queue: write one by one, log the refused ones.
        for (const row of rows) {
          try {
            await insert(client, [row]);
          } catch (rowErr) {
            if (!isDataError(rowErr)) throw rowErr;
            stats.logged++;
            logger.error("audit row refused by database; kept in log", { event: "sys_monitor", audit: row, code: (rowErr as { code?: string }).code });
          }
        }
      }
    } catch (err) {
      broken = err;
      throw err;
    } finally {
      client.off("error", onError);
      client.release(broken instanceof Error && !isDataError(broken) ? broken : undefined);
    }
  }

  async function run(): Promise<number> {
    let written = 0;
    if (options.queue && buffer.length < o.maxBuffer) {
      try {
        const drained = await options.queue.take(Math.min(o.drainBatch, o.maxBuffer - buffer.length));
        buffer.push(...drained);
      } catch {
        // Redis unavailable: the queue keeps its rows; the next flush retries.
      }
    }
    while (buffer.length > 0) {
      const batch = buffer.slice(0, o.batchSize);
      try {
        await writeBatch(batch);
      } catch (err) {
        stats.failures++;
        backoff = Math.min(o.maxBackoffMs, backoff === 0 ? o.minBackoffMs : backoff * 2);
        if (!outageLogged) {
          outageLogged = true;
          logger.error("audit writer: database unavailable, buffering", { event: "sys_monitor", pending: buffer.length, error: err });
        }
        schedule(backoff);
        return written;
      }
      buffer.splice(0, batch.length);
      written += batch.length;
      stats.written += batch.length;
      if (outageLogged) logger.info("audit writer: database back, buffer draining", { event: "sys_monitor", pending: buffer.length });
      outageLogged = false;
      backoff = 0;
    }
    return written;
  }

  function flush(): Promise<number> {
    if (inflight) return inflight.then(() => flush());
    inflight = run().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  return {
    enqueue(event) {
      const row = normalizeAuditEvent(event);
      logger.info(`audit ${row.event}`, { audit: row });
      if (buffer.length >= o.maxBuffer) overflow([row]);
      else buffer.push(row);
      if (backoff === 0) schedule(o.flushDelayMs);
    },
    flush,
    pending: () => buffer.length,
    stats: () => ({ ...stats }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
