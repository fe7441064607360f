/**
 * The user's sessions, read from GoTrue's own `auth.sessions` (same columns on hosted Supabase), and revocation of
 * them: rows are deleted (refresh tokens cascade, so the session cannot be refreshed) AND the session ids are
 * denylisted (so already-issued access tokens die now, not at `exp`). A session that exists but is not the caller's
 * answers exactly like one that does not exist.
 */
import type { Pool } from "pg";
import { UAParser } from "ua-parser-js";
import type { RevocationStore } from "./revocation";

export type Queryable = Pick<Pool, "query">;

export interface SessionInfo {
  id: string;
  createdAt: string | null;
  lastActiveAt: string | null;
  device: string;
  ip: string | null;
  aal: string | null;
  current: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const { browser, os, device } = UAParser(userAgent.slice(0, 512));
  const b = browser.name ? `${browser.name}${browser.major ? ` ${browser.major}` : ""}` : null;
  const where = os.name ?? device.vendor ?? null;
  if (b && where) return `${b} on ${where}`;
  return b ?? where ?? "Unknown device";
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ? new Date(String(v)).toISOString() : null);

export async function listSessions(db: Queryable, userId: string, currentSessionId: string | null): Promise<SessionInfo[]> {
  const { rows } = await db.query<{
    id: string;
    created_at: Date | null;
    last_active: Date | string | null;
    user_agent: string | null;
    ip: string | null;
    aal: string | null;
  }>(
    `SELECT id, created_at, coalesce(refreshed_at::timestamptz, updated_at, created_at) AS last_active, user_agent, host(ip) AS ip, aal::text AS aal
       FROM auth.sessions
      WHERE user_id = $1 AND (not_after IS NULL OR not_after > now())
      ORDER BY coalesce(refreshed_at::timestamptz, updated_at, created_at) DESC NULLS LAST`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id,
    createdAt: iso(r.created_at),
    lastActiveAt: iso(r.last_active),
    device: deviceLabel(r.user_agent),
    ip: r.ip,
    aal: r.aal,
    current: r.id === currentSessionId,
  }));
}

export async function sessionExists(db: Queryable, sessionId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM auth.sessions WHERE id = $1 AND user_id = $2 AND (not_after IS NULL OR not_after > now())", [
    sessionId,
    userId,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function sessionIdsOf(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM auth.sessions WHERE user_id = $1", [userId]);
  return rows.map((r) => r.id);
}

/** Ends one session of `userId`. false → no such session for this user (the route answers 404). */
export async function revokeSession(db: Queryable, revocation: RevocationStore, userId: string, sessionId: string): Promise<boolean> {
  if (!isUuid(sessionId)) return false;
  const { rows } = await db.query<{ id: string }>("DELETE FROM auth.sessions WHERE id = $1 AND user_id = $2 RETURNING id", [sessionId, userId]);
  if (rows.length === 0) return false;
  await revocation.revokeSessions([sessionId]);
  return true;
}

/** Ends every session of `userId` except `keepSessionId`. Returns the ended ids. */
export async function revokeOtherSessions(db: Queryable, revocation: RevocationStore, userId: string, keepSessionId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2 RETURNING id", [userId, keepSessionId]);
  const ids = rows.map((r) => r.id);
  await revocation.revokeSessions(ids);
  return ids;
}

/** Ends every session of `userId` and sets the per-user not-before, so tokens of sessions we never saw die too. */
export async function revokeAllSessions(db: Queryable, revocation: RevocationStore, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("DELETE FROM auth.sessions WHERE user_id = $1 RETURNING id", [userId]);
  const ids = rows.map((r) => r.id);
  await Promise.all([revocation.revokeSessions(ids), revocation.revokeUserBefore(userId)]);
  return ids;
}
