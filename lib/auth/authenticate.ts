/**
 * Request authentication for API routes: IP block check → RFC 6750 parsing → local signature/claims verification →
 * revocation (session denylist + per-user not-before) → optional strict session-existence check.
 *
 * Latency: the block check and the revocation lookup are issued in the same tick, so @upstash/redis sends them in ONE
 * pipeline request, concurrently with the (local) signature check. The revocation answer is keyed on the
 * still-unverified session_id/sub and only consulted after the signature verified.
 *
 * Failures (except a missing credential) are recorded by the auth monitor: 5 in 15 min from one IP block it.
 */
import type { AuditSink } from "@/lib/audit/types";
import type { AuthMonitor } from "@/lib/security/auth-monitor";
import type { TokenUse } from "@/lib/security/token-metrics";
import { logger } from "@/lib/logger";
import { parseBearer, hasQueryToken } from "./bearer";
import { AuthError, type AuthErrorCode } from "./errors";
import { isRevoked, type RevocationState, type RevocationStore } from "./revocation";
import type { SessionExistenceCache } from "./validation-cache";
import type { ShortCache } from "./short-cache";
import type { BlockStatus } from "@/lib/security/auth-monitor";
import type { TokenVerifier, VerifiedToken } from "./verify";

export interface AuthenticateDeps {
  verify: TokenVerifier;
  revocation: RevocationStore;
  monitor: AuthMonitor;
  sessions?: SessionExistenceCache;
  recordUse?: (use: TokenUse) => Promise<unknown>;
  audit?: AuditSink;
  /**
   * Optional ≤ 500 ms caches of "all clear" answers (lib/auth/short-cache): under load they turn one Redis round
   * trip per request into a few per second per session/IP, within the ≤ 1 s cross-instance revocation bound.
   */
  clear?: { revocation: ShortCache<RevocationState & { sub: string }>; blocks: ShortCache<BlockStatus> };
}

export interface AuthenticateInput {
  request: Request;
  ip: string | null;
  /** Access token from the cookie session, used only when the request has no Authorization header. */
  cookieToken?: () => Promise<string | null>;
  /** Strict mode: also confirm the session still exists in auth.sessions (≤ 30 s positive cache). */
  strict?: boolean;
}

export type Authenticated = { token: VerifiedToken; accessToken: string; credential: "bearer" | "cookie"; ip: string | null };

export class BlockedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("blocked");
    this.name = "BlockedError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads sub/session_id WITHOUT verifying, only to name the Redis keys; never trusted on its own. */
function unverifiedIds(token: string): { sub: string; sid: string } | null {
  try {
    const segment = token.split(".")[1];
    if (!segment || segment.length > 8192) return null;
    const json = JSON.parse(atob(segment.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const { sub, session_id: sid } = json;
    return typeof sub === "string" && typeof sid === "string" && UUID.test(sub) && UUID.test(sid) ? { sub, sid } : null;
  } catch {
    return null;
  }
}

/** Throws AuthError (→ 401), BlockedError (→ 429) or AuthError("verifier_unavailable") (→ 503). */
export async function authenticate(input: AuthenticateInput, deps: AuthenticateDeps): Promise<Authenticated> {
  const { request, ip } = input;
  const userAgent = request.headers.get("user-agent");

  const ipCacheKey = ip ?? "unknown";
  const fail = async (code: AuthErrorCode): Promise<never> => {
    deps.clear?.blocks.delete(ipCacheKey);
    if (code !== "missing_token" && code !== "verifier_unavailable") {
      try {
        await deps.monitor.recordAuthFailure({ ip, reason: code, userAgent });
      } catch (err) {
        logger.error("auth monitor unavailable while recording a failure", { event: "sys_monitor", error: err });
      }
    }
    throw new AuthError(code);
  };

  // 1. Cheap, local parsing first (no crypto, no I/O).
  let token: string | null = null;
  let credential: "bearer" | "cookie" = "bearer";
  let parseError: AuthErrorCode | null = null;
  try {
    if (hasQueryToken(request.url)) throw new AuthError("token_in_query");
    if (request.headers.has("authorization") || !input.cookieToken) token = parseBearer(request.headers);
    else {
      credential = "cookie";
      token = await input.cookieToken();
      if (!token) throw new AuthError("missing_token");
      if (token.length > 8192) throw new AuthError("token_too_long");
    }
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    parseError = err.code;
  }

  // 2. One Redis round trip (block + revocation state), concurrently with the signature check.
  const ids = token && !parseError ? unverifiedIds(token) : null;
  const cachedBlock = deps.clear?.blocks.get(ipCacheKey);
  const blockedP = cachedBlock ? Promise.resolve(cachedBlock) : deps.monitor.checkBlocked({ ip });
  const cachedState = ids ? deps.clear?.revocation.get(ids.sid) : undefined;
  const lookupP: Promise<RevocationState> | null = !ids
    ? null
    : cachedState && cachedState.sub === ids.sub
      ? Promise.resolve(cachedState)
      : deps.revocation.lookup(ids.sub, ids.sid);
  const verifyP = token && !parseError ? deps.verify(token) : null;
  // Avoid unhandled rejections while we wait on the block check.
  lookupP?.catch(() => {});
  verifyP?.catch(() => {});

  let blocked;
  try {
    blocked = await blockedP;
  } catch (err) {
    // Fail closed: without the block/revocation store we cannot honour revocations.
    logger.error("auth store unavailable", { event: "sys_monitor", error: err });
    throw new AuthError("verifier_unavailable");
  }
  if (blocked.blocked) throw new BlockedError(blocked.retryAfterSeconds);
  if (parseError) return fail(parseError);
  if (!cachedBlock) deps.clear?.blocks.set(ipCacheKey, blocked);

  let verified: VerifiedToken;
  try {
    verified = await verifyP!;
  } catch (err) {
    return fail(err instanceof AuthError ? err.code : "malformed_token");
  }

  let state: RevocationState;
  try {
    state = await (lookupP ?? deps.revocation.lookup(verified.sub, verified.sessionId));
  } catch (err) {
    logger.error("revocation store unavailable", { event: "sys_monitor", error: err });
    throw new AuthError("verifier_unavailable");
  }
  if (isRevoked(state, verified)) return fail("revoked");
  // Only fresh answers are cached (never extend an entry on a hit: the TTL is the revocation-latency bound).
  if (state !== cachedState) deps.clear?.revocation.set(verified.sessionId, { ...state, sub: verified.sub });

  if (input.strict && deps.sessions) {
    let exists: boolean;
    try {
      exists = await deps.sessions.exists(verified.sessionId, verified.sub);
    } catch (err) {
      logger.error("session store unavailable", { event: "sys_monitor", error: err });
      throw new AuthError("verifier_unavailable");
    }
    if (!exists) return fail("session_not_found");
  }

  deps.recordUse?.({ sessionId: verified.sessionId, userId: verified.sub, ip }).catch((err) =>
    logger.warn("token metrics unavailable", { event: "sys_monitor", error: err }),
  );
  return { token: verified, accessToken: token!, credential, ip };
}
