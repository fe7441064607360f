/**
 * Strict mode: confirm the session still exists in auth.sessions (sensitive routes). Only POSITIVE answers are cached,
 * for ≤ 30 s, keyed by session_id (never by the token or a hash of it), bounded in size.
 *
 * Correctness does not depend on invalidating this cache across instances: every validation still consults the
 * Redis denylist first (revocation.ts), and every revocation path writes the denylist. `forget()` drops the local
 * entry as well so the instance that revoked re-checks immediately.
 */
export const VALIDATION_CACHE_DEFAULTS = {
  ttlMs: 30_000,
  /** Bound: an attacker cannot grow it — only verified, existing sessions are inserted. */
  maxEntries: 10_000,
} as const;

export type SessionLookup = (sessionId: string, userId: string) => Promise<boolean>;

export interface SessionExistenceCache {
  exists(sessionId: string, userId: string): Promise<boolean>;
  forget(sessionId: string): void;
  size(): number;
}

export function createSessionExistenceCache(options: {
  lookup: SessionLookup;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}): SessionExistenceCache {
  const ttlMs = options.ttlMs ?? VALIDATION_CACHE_DEFAULTS.ttlMs;
  const maxEntries = options.maxEntries ?? VALIDATION_CACHE_DEFAULTS.maxEntries;
  if (ttlMs > 30_000 || ttlMs < 0) throw new TypeError("ttlMs must be between 0 and 30000");
  if (maxEntries < 1) throw new TypeError("maxEntries must be positive");
  const now = options.now ?? Date.now;
  // Map keeps insertion order: the first key is the oldest entry.
  const entries = new Map<string, { userId: string; expiresAt: number }>();

  return {
    async exists(sessionId, userId) {
      const hit = entries.get(sessionId);
      if (hit && hit.expiresAt > now() && hit.userId === userId) return true;
      if (hit) entries.delete(sessionId);
      const found = await options.lookup(sessionId, userId);
      if (found) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(sessionId, { userId, expiresAt: now() + ttlMs });
      }
      return found;
    },
    forget(sessionId) {
      entries.delete(sessionId);
    },
    size: () => entries.size,
  };
}
