/**
 * One-time tokens with GoTrue's semantics (auth.one_time_tokens + the token columns on auth.users).
 *
 * - An email OTP is a random N-digit code (GOTRUE_MAILER_OTP_LENGTH, default 6). What is stored is
 *   token_hash = lower-case hex(sha224(email + otp)); the link in a mail carries that hash, prefixed with
 *   `pkce_` when the request started a PKCE flow. The code itself is only ever put in the mail.
 * - GoTrue keeps the hash twice: in the user's column (confirmation_token, recovery_token,
 *   email_change_token_new/current, reauthentication_token, with a *_sent_at timestamp that starts the
 *   expiry clock) and in auth.one_time_tokens (one row per user and token type; a new one replaces the old).
 * - A token is valid for GOTRUE_MAILER_OTP_EXP seconds (default 3600) after *_sent_at, and single use:
 *   consuming one clears the user's column and ALL of the user's one-time tokens, as GoTrue does.
 */
import { createHash, randomInt, randomUUID } from "node:crypto";

/** Anything with pg's `query` (a Pool or a PoolClient inside a transaction). */
export type Queryable = {
  query: <R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ) => Promise<{ rows: R[]; rowCount: number | null }>;
};

export type OneTimeTokenType =
  | "confirmation_token"
  | "reauthentication_token"
  | "recovery_token"
  | "email_change_token_new"
  | "email_change_token_current"
  | "phone_change_token";

export const PKCE_PREFIX = "pkce_";

/** GoTrue's FlowType: a code_challenge in the request makes it PKCE. */
export type FlowType = "implicit" | "pkce";

/** A random numeric code of `digits` digits (leading zeros kept). */
export function generateOtp(digits = 6): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += String(randomInt(0, 10));
  return out;
}

/** token_hash = hex(sha224(emailOrPhone + otp)), lower case, exactly as GoTrue's crypto.GenerateTokenHash. */
export function tokenHash(emailOrPhone: string, otp: string): string {
  return createHash("sha224").update(emailOrPhone + otp).digest("hex");
}

export function withFlowPrefix(hash: string, flow: FlowType): string {
  return flow === "pkce" ? PKCE_PREFIX + hash : hash;
}

/** Column on auth.users (token, sent_at) that GoTrue keeps next to each token type. */
const USER_COLUMNS: Record<Exclude<OneTimeTokenType, "phone_change_token">, { token: string; sentAt: string }> = {
  confirmation_token: { token: "confirmation_token", sentAt: "confirmation_sent_at" },
  recovery_token: { token: "recovery_token", sentAt: "recovery_sent_at" },
  reauthentication_token: { token: "reauthentication_token", sentAt: "reauthentication_sent_at" },
  email_change_token_new: { token: "email_change_token_new", sentAt: "email_change_sent_at" },
  email_change_token_current: { token: "email_change_token_current", sentAt: "email_change_sent_at" },
};

export type OneTimeTokenRow = {
  id: string;
  user_id: string;
  token_type: OneTimeTokenType;
  token_hash: string;
  relates_to: string;
  created_at: Date;
  updated_at: Date;
};

export async function clearOneTimeTokenForUser(db: Queryable, userId: string, type: OneTimeTokenType): Promise<void> {
  await db.query("delete from auth.one_time_tokens where user_id = $1 and token_type = $2", [userId, type]);
}

export async function clearAllOneTimeTokensForUser(db: Queryable, userId: string): Promise<void> {
  await db.query("delete from auth.one_time_tokens where user_id = $1", [userId]);
}

/** Replace the user's token of this type (one row per user and type, as GoTrue's CreateOneTimeToken). */
export async function createOneTimeToken(
  db: Queryable,
  userId: string,
  relatesTo: string,
  hash: string,
  type: OneTimeTokenType,
): Promise<void> {
  await clearOneTimeTokenForUser(db, userId, type);
  await db.query(
    `insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
     values ($1, $2, $3, $4, $5, now(), now())`,
    [randomUUID(), userId, type, hash, relatesTo.toLowerCase()],
  );
}

export async function findOneTimeToken(
  db: Queryable,
  hash: string,
  types: OneTimeTokenType[],
): Promise<OneTimeTokenRow | null> {
  if (!hash) return null;
  const { rows } = await db.query<OneTimeTokenRow>(
    `select id, user_id, token_type::text as token_type, token_hash, relates_to, created_at, updated_at
       from auth.one_time_tokens
      where token_hash = $1 and token_type::text = any($2::text[])
      order by created_at desc limit 1`,
    [hash, types],
  );
  return rows[0] ?? null;
}

/**
 * Issue a new email token of `type` for a user: a fresh OTP, its hash (flow-prefixed) written to the user's
 * column with *_sent_at = now, and the matching one_time_tokens row. Returns the OTP (for the mail only)
 * and the stored hash (what links carry).
 */
export async function issueEmailToken(
  db: Queryable,
  user: { id: string; email: string },
  type: Exclude<OneTimeTokenType, "phone_change_token">,
  opts: { flow?: FlowType; otpLength?: number; otp?: string; hashEmail?: string } = {},
): Promise<{ otp: string; tokenHash: string; sentAt: Date }> {
  const otp = opts.otp ?? generateOtp(opts.otpLength ?? 6);
  const relatesTo = opts.hashEmail ?? user.email;
  const hash = withFlowPrefix(tokenHash(relatesTo, otp), opts.flow ?? "implicit");
  const cols = USER_COLUMNS[type];
  const { rows } = await db.query<{ sent_at: Date }>(
    `update auth.users set ${cols.token} = $2, ${cols.sentAt} = now(), updated_at = now() where id = $1 returning ${cols.sentAt} as sent_at`,
    [user.id, hash],
  );
  await createOneTimeToken(db, user.id, relatesTo, hash, type);
  return { otp, tokenHash: hash, sentAt: rows[0]?.sent_at ?? new Date() };
}

/** True when `sentAt` + otpExp seconds is in the past (or there is no sentAt). */
export function isOtpExpired(sentAt: Date | string | null | undefined, otpExpSeconds: number, now = Date.now()): boolean {
  if (!sentAt) return true;
  const t = sentAt instanceof Date ? sentAt.getTime() : Date.parse(sentAt);
  if (Number.isNaN(t)) return true;
  return now > t + otpExpSeconds * 1000;
}

/** GoTrue's isOtpValid: matches the stored value (with or without the pkce_ prefix) and is not expired. */
export function isOtpValid(
  actual: string,
  expected: string | null | undefined,
  sentAt: Date | string | null | undefined,
  otpExpSeconds: number,
): boolean {
  if (!expected || !sentAt || !actual) return false;
  if (isOtpExpired(sentAt, otpExpSeconds)) return false;
  return timingSafeEqualStr(actual, expected) || timingSafeEqualStr(PKCE_PREFIX + actual, expected);
}

function timingSafeEqualStr(a: string, b: string): boolean {
  // hashes are public-length hex; a constant-time compare still avoids leaking prefixes
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const INVALID_NONCE_MESSAGE = "Nonce has expired or is invalid";

/**
 * Check a reauthentication nonce (the code GET /reauthenticate mailed) for PUT /user {password, nonce}.
 * On success the nonce is consumed (user column cleared, all one-time tokens removed) and `ok: true` is
 * returned; otherwise GoTrue's 422 reauthentication_not_valid "Nonce has expired or is invalid" applies.
 */
export async function consumeReauthenticationNonce(
  db: Queryable,
  userId: string,
  nonce: string,
  otpExpSeconds: number,
): Promise<{ ok: true } | { ok: false; code: "reauthentication_not_valid"; message: string }> {
  const { rows } = await db.query<{ email: string | null; reauthentication_token: string | null; reauthentication_sent_at: Date | null }>(
    "select email, reauthentication_token, reauthentication_sent_at from auth.users where id = $1 for update",
    [userId],
  );
  const u = rows[0];
  const fail = { ok: false as const, code: "reauthentication_not_valid" as const, message: INVALID_NONCE_MESSAGE };
  if (!u || !u.email || !u.reauthentication_token || !u.reauthentication_sent_at || typeof nonce !== "string" || !nonce) {
    return fail;
  }
  if (!isOtpValid(tokenHash(u.email, nonce), u.reauthentication_token, u.reauthentication_sent_at, otpExpSeconds)) {
    return fail;
  }
  await db.query("update auth.users set reauthentication_token = '', updated_at = now() where id = $1", [userId]);
  await clearAllOneTimeTokensForUser(db, userId);
  return { ok: true };
}
