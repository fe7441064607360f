/** Recomputes the audit hash chain from the stored rows (Node only). */
import type { Pool } from "pg";
import { GENESIS_HASH, rowHash } from "./chain";

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** id of the first row whose prev_hash or hash does not match. */
  brokenAtId?: string;
}

type Row = {
  id: string;
  occurred_at: Date;
  event: string;
  outcome: string;
  actor_user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
};

export async function verifyAuditChain(pool: Pick<Pool, "query">, pageSize = 1000): Promise<ChainVerification> {
  let prev = GENESIS_HASH;
  let lastId = "0";
  let checked = 0;
  for (;;) {
    const { rows } = await pool.query<Row>(
      `SELECT id::text, occurred_at, event, outcome, actor_user_id, session_id, ip, user_agent, target, details, prev_hash, hash
         FROM public.audit_logs WHERE audit_logs.id > $1::bigint ORDER BY audit_logs.id LIMIT $2`,
      [lastId, pageSize],
    );
    for (const r of rows) {
      const expected = rowHash(prev, {
        occurredAt: r.occurred_at.toISOString(),
        event: r.event,
        outcome: r.outcome,
        actorUserId: r.actor_user_id,
        sessionId: r.session_id,
        ip: r.ip,
        userAgent: r.user_agent,
        target: r.target,
        details: r.details,
      });
      if (r.prev_hash !== prev || r.hash !== expected) return { ok: false, checked, brokenAtId: r.id };
      prev = r.hash;
      lastId = r.id;
      checked++;
    }
    if (rows.length < pageSize) return { ok: true, checked };
  }
}
