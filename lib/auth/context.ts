/**
 * Default wiring of lib/auth for the Node runtime: one JWKS set, verifier, revocation store, monitor, strict-mode
 * cache and token-metrics recorder per process, built from lib/env, lib/redis and lib/db.
 */
import { createRemoteJWKSet } from "jose";
import { ApiError } from "@/lib/api/errors";
import { auditEvent } from "@/lib/audit";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { redis } from "@/lib/redis";
import { createAuthMonitor, type AuthMonitor } from "@/lib/security/auth-monitor";
import { clientIp } from "@/lib/security/client-ip";
import { createBufferedTokenMetrics, createTokenMetrics } from "@/lib/security/token-metrics";
import { logger } from "@/lib/logger";
import { createClient } from "@/lib/supabase/server";
import { authenticate, BlockedError, type Authenticated, type AuthenticateDeps } from "./authenticate";
import { createRevocationStore, type RevocationStore } from "./revocation";
import { sessionExists } from "./sessions";
import { createSessionExistenceCache, type SessionExistenceCache } from "./validation-cache";
import { createShortCache, SHORT_CACHE_MAX_TTL_MS } from "./short-cache";
import type { RevocationState } from "./revocation";
import type { BlockStatus } from "@/lib/security/auth-monitor";
import { createTokenVerifier, type TokenVerifier } from "./verify";

export const JWKS_OPTIONS = {
  /** A kid we do not know triggers at most one refetch per 30 s (random-kid floods, attack class 9). */
  cooldownDuration: 30_000,
  /** Keys are re-fetched at least every 10 min (GoTrue serves max-age=600), so rotation is picked up. */
  cacheMaxAge: 600_000,
  timeoutDuration: 3_000,
} as const;

let verifier: TokenVerifier | undefined;
let revocation: RevocationStore | undefined;
let monitor: AuthMonitor | undefined;
let sessions: SessionExistenceCache | undefined;
let deps: AuthenticateDeps | undefined;
const clear = {
  revocation: createShortCache<RevocationState & { sub: string }>({ ttlMs: SHORT_CACHE_MAX_TTL_MS }),
  blocks: createShortCache<BlockStatus>({ ttlMs: SHORT_CACHE_MAX_TTL_MS }),
};

export function tokenVerifier(): TokenVerifier {
  if (!verifier) {
    const env = serverEnv();
    const algorithms = env.JWT_ALLOWED_ALGS;
    const asymmetric = algorithms.some((a) => a !== "HS256");
    verifier = createTokenVerifier({
      issuer: env.SUPABASE_JWT_ISSUER,
      algorithms,
      hs256Secret: algorithms.includes("HS256") ? env.SUPABASE_JWT_SECRET : undefined,
      jwks: asymmetric ? createRemoteJWKSet(new URL(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/.well-known/jwks.json`), JWKS_OPTIONS) : undefined,
    });
  }
  return verifier;
}

export function sessionCache(): SessionExistenceCache {
  sessions ??= createSessionExistenceCache({ lookup: (sid, sub) => sessionExists(db(), sid, sub) });
  return sessions;
}

export function revocationStore(): RevocationStore {
  revocation ??= createRevocationStore({
    redis: redis(),
    onRevoke: (sid) => {
      if (sid) sessionCache().forget(sid);
      clear.revocation.clear();
    },
  });
  return revocation;
}

export function authMonitor(): AuthMonitor {
  monitor ??= createAuthMonitor({ redis: redis(), audit: auditEvent });
  return monitor;
}

export function authDeps(): AuthenticateDeps {
  deps ??= {
    verify: tokenVerifier(),
    revocation: revocationStore(),
    monitor: authMonitor(),
    sessions: sessionCache(),
    recordUse: createBufferedTokenMetrics({
      record: createTokenMetrics({
        redis: redis(),
        audit: auditEvent,
        onAlert: (use, usage) => logger.warn("suspicious token usage", { event: "sys_monitor", sessionId: use.sessionId, ...usage }),
      }),
      onError: (err) => logger.warn("token metrics unavailable", { event: "sys_monitor", error: err }),
    }).add,
    audit: auditEvent,
    clear,
  };
  return deps;
}

export function requestIp(request: Request): string | null {
  return clientIp(request, { trustedProxyHops: serverEnv().TRUSTED_PROXY_HOPS });
}

/** Access token of the cookie session (verified by OUR pipeline afterwards, never trusted as is). */
async function cookieAccessToken(): Promise<string | null> {
  const supabase = await createClient();
  const { data } = await supabase.auth.getSession();
  return data.session?.access_token ?? null;
}

/**
 * Authenticates an API request. Throws AuthError (401), ApiError("blocked") (429) or AuthError("verifier_unavailable")
 * (503) — hand any of them to errorResponse().
 */
export async function requireAuth(request: Request, options: { strict?: boolean; allowCookie?: boolean } = {}): Promise<Authenticated> {
  try {
    return await authenticate(
      { request, ip: requestIp(request), strict: options.strict, cookieToken: options.allowCookie ? cookieAccessToken : undefined },
      authDeps(),
    );
  } catch (err) {
    if (err instanceof BlockedError) throw new ApiError("blocked", err.retryAfterSeconds);
    throw err;
  }
}
