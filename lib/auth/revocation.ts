/**
 * Access-token revocation keyed on CLAIMS, never on the token string (ECDSA signatures are malleable: s' = n − s
 * gives a second valid encoding of the same token — see verify.test.ts, class 11).
 *
 * - `rv:sid:<session_id>` — denylisted session; TTL = remaining life of the longest token that can carry that id.
 * - `rv:nbf:<sub>`        — per-user "not before" (unix seconds): tokens with iat <= nbf are refused. `iat` has
 *   one-second resolution, so a token minted in the same second as the revocation is refused too (fail safe: a
 *   sign-in in that same second simply has to be repeated).
 * Both are read with ONE MGET per validation and are never cached locally, so a revocation written by any instance
 * is effective on every instance at the next request (≤ 1 s requirement, ASVS v5.0.0-7.4.1).
 */
import type { Redis } from "@upstash/redis";

export const REVOCATION_DEFAULTS = {
  /** Longest access-token life we accept (verify.ts maxTokenAge) plus clock tolerance. */
  maxTokenLifeSeconds: 3600 + 60 + 5,
} as const;

export type RevocationRedis = Pick<Redis, "mget" | "set">;

export const sidKey = (sessionId: string) => `rv:sid:${sessionId}`;
export const nbfKey = (sub: string) => `rv:nbf:${sub}`;

export interface RevocationState {
  sessionRevoked: boolean;
  notBefore: number | null;
}

export interface RevocationSubject {
  sub: string;
  sessionId: string;
  iat: number;
}

export interface RevocationStore {
  /** One round trip; safe to start before the signature check, the answer is only used once it verified. */
  lookup(sub: string, sessionId: string): Promise<RevocationState>;
  /** Denylists sessions. `exp` (unix s) shortens the TTL to the token's remaining life when known. */
  revokeSessions(sessionIds: readonly string[], exp?: number): Promise<void>;
  /** Refuses every token of `sub` issued before `atSeconds` (default: now). */
  revokeUserBefore(sub: string, atSeconds?: number): Promise<void>;
}

export function isRevoked(state: RevocationState, token: RevocationSubject): boolean {
  return state.sessionRevoked || (state.notBefore !== null && token.iat <= state.notBefore);
}

export interface RevocationOptions {
  redis: RevocationRedis;
  now?: () => number;
  maxTokenLifeSeconds?: number;
  /** Called for every revoked session id, and with null for a user-wide not-before (drop local caches). */
  onRevoke?: (sessionId: string | null) => void;
}

export function createRevocationStore(options: RevocationOptions): RevocationStore {
  const { redis, onRevoke } = options;
  const now = options.now ?? Date.now;
  const maxLife = options.maxTokenLifeSeconds ?? REVOCATION_DEFAULTS.maxTokenLifeSeconds;
  const nowSeconds = () => Math.floor(now() / 1000);

  return {
    async lookup(sub, sessionId) {
      const [sid, nbf] = await redis.mget<[unknown, unknown]>(sidKey(sessionId), nbfKey(sub));
      const notBefore = nbf === null || nbf === undefined ? null : Number(nbf);
      return { sessionRevoked: sid !== null && sid !== undefined, notBefore: Number.isFinite(notBefore) ? notBefore : null };
    },
    async revokeSessions(sessionIds, exp) {
      if (sessionIds.length === 0) return;
      const remaining = exp !== undefined ? Math.min(maxLife, exp - nowSeconds() + 5) : maxLife;
      const ttl = Math.max(1, remaining);
      // Issued together: @upstash/redis auto-pipelines them into one request.
      await Promise.all(sessionIds.map((id) => redis.set(sidKey(id), nowSeconds(), { ex: ttl })));
      for (const id of sessionIds) onRevoke?.(id);
    },
    async revokeUserBefore(sub, atSeconds) {
      // After maxLife every token issued before the mark is expired anyway, so the key can go.
      await redis.set(nbfKey(sub), atSeconds ?? nowSeconds(), { ex: maxLife });
      onRevoke?.(null);
    },
  };
}
