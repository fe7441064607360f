/**
 * Sessions, refresh tokens and access tokens (GoTrue semantics).
 *
 * - `issueSession` creates an auth.sessions row (+ mfa_amr_claims row + refresh token) — or, with
 *   `sessionId`, upgrades an existing session (MFA verify: new aal/factor, amr claim added, refresh token
 *   swapped) — and returns GoTrue's session JSON.
 * - `refreshTokenGrant` implements rotation, the reuse interval and family revocation.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import type { AuthContext } from "./context";
import { badRequest } from "./errors";
import { loadUserWithAmr, serializeUser, type UserRecord } from "./users";
import { withTransaction } from "./tx";

type Queryable = Pool | PoolClient;

export interface AmrEntry {
  method: string;
  timestamp: number;
}

export interface IssueSessionOptions {
  aal?: "aal1" | "aal2" | "aal3";
  /** authentication method recorded in mfa_amr_claims: password, otp, magiclink, recovery, invite, email/signup, totp, email_change … */
  amr: string;
  factorId?: string | null;
  userAgent?: string | null;
  ip?: string | null;
  /** upgrade this existing session instead of creating one (MFA verify) */
  sessionId?: string;
  /** run inside the caller's transaction */
  db?: PoolClient;
  /** GoTrue adds `weak_password` to password-grant responses when the password fails current rules */
  weakPassword?: { message?: string; reasons: string[] } | null;
}

export interface SessionJson {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
  weak_password?: { message?: string; reasons: string[] };
  [k: string]: unknown;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Opaque refresh token: 32 chars of [a-z0-9] (~165 bits). */
export function newRefreshTokenString(): string {
  const bytes = randomBytes(40);
  let out = "";
  for (const b of bytes) {
    if (b >= 252) continue; // avoid modulo bias (252 = 7 * 36)
    out += ALPHABET[b % 36];
    if (out.length === 32) break;
  }
  return out.length === 32 ? out : newRefreshTokenString();
}

export function validIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return /^[0-9a-fA-F:.]+$/.test(ip) ? ip : null;
}

export async function addAmrClaim(db: Queryable, sessionId: string, method: string): Promise<void> {
  await db.query(
    `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
     values ($1, now(), now(), $2, gen_random_uuid())
     on conflict (session_id, authentication_method) do update set updated_at = now()`,
    [sessionId, method],
  );
}

/** Signs the access token for `user` in `session` with GoTrue's claim set. */
export async function mintAccessToken(
  ctx: AuthContext,
  user: UserRecord,
  session: { id: string; aal: string | null },
  amr: AmrEntry[],
): Promise<{ token: string; expiresAt: number; expiresIn: number }> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ctx.config.jwtExp;
  const token = await ctx.keys.sign({
    iss: ctx.issuer,
    sub: user.id,
    aud: user.aud || ctx.config.jwtAud,
    exp,
    iat,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role || ctx.config.jwtDefaultGroupName,
    aal: session.aal ?? "aal1",
    amr,
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  });
  return { token, expiresAt: exp, expiresIn: ctx.config.jwtExp };
}

async function insertRefreshToken(db: Queryable, userId: string, sessionId: string, parent: string | null): Promise<string> {
  const token = newRefreshTokenString();
  await db.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
    [token, userId, parent, sessionId],
  );
  return token;
}

async function sessionJson(
  ctx: AuthContext,
  db: Queryable,
  userId: string,
  session: { id: string; aal: string | null },
  refreshToken: string,
  extra: Partial<SessionJson> = {},
): Promise<SessionJson> {
  const { user, amr } = await loadUserWithAmr(db, userId, session.id);
  if (!user) throw badRequest("user_not_found", "User not found");
  const at = await mintAccessToken(ctx, user, session, amr);
  return {
    access_token: at.token,
    token_type: "bearer",
    expires_in: at.expiresIn,
    expires_at: at.expiresAt,
    refresh_token: refreshToken,
    user: serializeUser(user),
    ...extra,
  };
}

/**
 * Creates a session for `user` (or upgrades `opts.sessionId`), records the amr claim, issues a refresh
 * token, stamps last_sign_in_at and returns the GoTrue session JSON.
 */
export async function issueSession(ctx: AuthContext, user: UserRecord | { id: string }, opts: IssueSessionOptions): Promise<SessionJson> {
  return withTransaction(ctx, async (db) => {
    let sessionId: string;
    let aal: string;
    let refresh: string;
    if (opts.sessionId) {
      const { rows } = await db.query<{ id: string; aal: string | null }>(
        `update auth.sessions set aal = coalesce($2::auth.aal_level, aal), factor_id = coalesce($3::uuid, factor_id), updated_at = now()
          where id = $1 and user_id = $4 returning id, aal`,
        [opts.sessionId, opts.aal ?? null, opts.factorId ?? null, user.id],
      );
      if (!rows[0]) throw badRequest("session_not_found", "Session not found");
      sessionId = rows[0].id;
      aal = rows[0].aal ?? "aal1";
      await addAmrClaim(db, sessionId, opts.amr);
      // swap the currently active refresh token (GoTrue's GrantRefreshTokenSwap)
      const active = await db.query<{ token: string }>(
        `update auth.refresh_tokens set revoked = true, updated_at = now()
          where id = (select id from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1)
          returning token`,
        [sessionId],
      );
      refresh = await insertRefreshToken(db, user.id, sessionId, active.rows[0]?.token ?? null);
    } else {
      sessionId = randomUUID();
      aal = opts.aal ?? "aal1";
      const notAfter = ctx.config.sessionsTimebox > 0 ? new Date(Date.now() + ctx.config.sessionsTimebox * 1000) : null;
      await db.query(
        `insert into auth.sessions (id, user_id, created_at, updated_at, factor_id, aal, not_after, refreshed_at, user_agent, ip, tag)
         values ($1, $2, now(), now(), $3, $4, $5, null, $6, $7, null)`,
        [sessionId, user.id, opts.factorId ?? null, aal, notAfter, opts.userAgent ?? null, validIp(opts.ip)],
      );
      await addAmrClaim(db, sessionId, opts.amr);
      refresh = await insertRefreshToken(db, user.id, sessionId, null);
      await db.query(`update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1`, [user.id]);
      await db.query(`update auth.identities set last_sign_in_at = now() where user_id = $1 and provider = 'email'`, [user.id]);
    }
    const extra: Partial<SessionJson> = opts.weakPassword ? { weak_password: opts.weakPassword } : {};
    return sessionJson(ctx, db, user.id, { id: sessionId, aal }, refresh, extra);
  }, opts.db);
}


/** GoTrue's refresh_token grant: rotation, reuse interval, family revocation (one round trip, see migrations/0002). */
export async function refreshTokenGrant(
  ctx: AuthContext,
  refreshToken: string,
  meta: { userAgent: string | null; ip: string | null },
): Promise<SessionJson> {
  if (refreshToken.length < 12 || refreshToken.length > 255 || (refreshToken.length === 12 && !/^[a-z0-9]{12}$/.test(refreshToken))) {
    throw badRequest("validation_failed", "Refresh token is not valid");
  }
  const { rows } = await ctx.db.query<{ r: RefreshResult }>({
    name: "local_auth_refresh_grant",
    text: "select local_auth.refresh_token_grant($1, $2, $3, $4, $5, $6, $7::inet) as r",
    values: [
      refreshToken,
      newRefreshTokenString(),
      ctx.config.refreshTokenReuseInterval,
      ctx.config.refreshTokenRotationEnabled,
      ctx.config.sessionsInactivityTimeout,
      meta.userAgent,
      validIp(meta.ip),
    ],
  });
  const r = rows[0]!.r;
  switch (r.status) {
    case "ok":
      break;
    case "not_found":
      throw badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    case "banned":
      throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
    case "no_session":
      throw badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found");
    case "expired":
      throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");
    case "inactive":
      throw badRequest("session_expired", "Invalid Refresh Token: Session Expired (Inactivity)");
    case "already_used":
      throw badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used");
  }
  const user = r.user!;
  const at = await mintAccessToken(ctx, user, { id: r.session_id!, aal: r.aal ?? "aal1" }, r.amr ?? []);
  return {
    access_token: at.token,
    token_type: "bearer",
    expires_in: at.expiresIn,
    expires_at: at.expiresAt,
    refresh_token: r.token!,
    user: serializeUser(user),
  };
}

interface RefreshResult {
  status: "ok" | "not_found" | "banned" | "no_session" | "expired" | "inactive" | "already_used";
  token?: string;
  session_id?: string;
  aal?: string | null;
  /** auth.users row as JSON (timestamps as ISO strings, which serializeUser accepts) */
  user?: UserRecord;
  amr?: AmrEntry[];
}

/**
 * GoTrue's User.UpdatePassword: new hash, every pending token (confirmation, recovery, email change, phone change,
 * reauthentication) and one-time token dropped; then all sessions but `keepSessionId` end (all of them when null).
 */
export async function updatePassword(db: Queryable, userId: string, hash: string, keepSessionId: string | null): Promise<void> {
  await db.query(
    `update auth.users set encrypted_password = $2, confirmation_token = '', confirmation_sent_at = null, recovery_token = '',
            recovery_sent_at = null, email_change_token_current = '', email_change_token_new = '', email_change_sent_at = null,
            phone_change_token = '', phone_change_sent_at = null, reauthentication_token = '', reauthentication_sent_at = null,
            updated_at = now()
      where id = $1`,
    [userId, hash],
  );
  await db.query(`delete from auth.one_time_tokens where user_id = $1`, [userId]);
  await logoutSessions(db, userId, keepSessionId, keepSessionId ? "others" : "global");
}

/** Deletes sessions per GoTrue's logout scopes (refresh tokens and amr claims cascade). */
export async function logoutSessions(db: Queryable, userId: string, sessionId: string | null, scope: "global" | "local" | "others"): Promise<void> {
  if (scope === "global" || !sessionId) {
    await db.query(`delete from auth.sessions where user_id = $1`, [userId]);
  } else if (scope === "local") {
    await db.query(`delete from auth.sessions where id = $1 and user_id = $2`, [sessionId, userId]);
  } else {
    await db.query(`delete from auth.sessions where user_id = $1 and id <> $2`, [userId, sessionId]);
  }
}
