/**
 * Hash chain over audit rows (Node only): hash = sha256(prev_hash || "\n" || canonical(row)).
 * The canonical form uses only values that round-trip through PostgreSQL unchanged (ISO time with ms, text, uuid,
 * jsonb with recursively sorted keys), so verifyAuditChain() can recompute every hash from the stored rows.
 */
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainRow {
  occurredAt: string;
  event: string;
  outcome: string;
  actorUserId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function rowHash(prevHash: string, row: ChainRow): string {
  const canonical = canonicalJson([
    new Date(row.occurredAt).toISOString(),
    row.event,
    row.outcome,
    row.actorUserId,
    row.sessionId,
    row.ip,
    row.userAgent,
    row.target,
    row.details,
  ]);
  return createHash("sha256").update(prevHash).update("\n").update(canonical).digest("hex");
}
