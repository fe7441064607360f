/**
 * Email verification (GoTrue internal/api/verify.go): finding the user a token belongs to, and what
 * confirming each type does to the account. Used by GET/POST /verify.
 */
import { randomBytes } from "node:crypto";
import type { PoolClient } from "pg";
import type { AuthContext } from "../context";
import { badRequest, forbidden, HttpError } from "../errors";
import {
  PKCE_PREFIX,
  clearAllOneTimeTokensForUser,
  clearOneTimeTokenForUser,
  findOneTimeToken,
  isOtpExpired,
  isOtpValid,
  tokenHash,
} from "../one-time-tokens";
import { hashPassword } from "../users";

/** The verification types an email link or code can carry. */
export const EMAIL_VERIFY_TYPES = ["signup", "invite", "magiclink", "recovery", "email_change", "email"] as const;
export type EmailVerifyType = (typeof EMAIL_VERIFY_TYPES)[number];

export function isEmailVerifyType(t: string): t is EmailVerifyType {
  return (EMAIL_VERIFY_TYPES as readonly string[]).includes(t);
}

export type VerifyUserRow = {
  id: string;
  aud: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  banned_until: Date | null;
  confirmation_token: string | null;
  confirmation_sent_at: Date | null;
  recovery_token: string | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_token_new: string | null;
  email_change_token_current: string | null;
  email_change_sent_at: Date | null;
  email_change_confirm_status: number | null;
};

const USER_COLUMNS = `id, aud, email, encrypted_password, email_confirmed_at, invited_at, banned_until,
  confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at, email_change,
  email_change_token_new, email_change_token_current, email_change_sent_at, email_change_confirm_status`;

const LINK_INVALID = "Email link is invalid or has expired";
export const OTP_INVALID = "Token has expired or is invalid";

async function lockUser(db: PoolClient, id: string): Promise<VerifyUserRow | null> {
  const { rows } = await db.query<VerifyUserRow>(`select ${USER_COLUMNS} from auth.users where id = $1 for update`, [id]);
  return rows[0] ?? null;
}

function assertNotBanned(user: VerifyUserRow): void {
  if (user.banned_until && user.banned_until.getTime() > Date.now()) throw forbidden("user_banned", "User is banned");
}

/**
 * GoTrue's verifyTokenHash: token_hash (as in the link, possibly pkce_-prefixed) → user, or
 * 403 otp_expired "Email link is invalid or has expired". Type "email" resolves to signup or magiclink
 * depending on which token matched; the resolved type is returned.
 */
export async function findUserByTokenHash(
  ctx: AuthContext,
  db: PoolClient,
  type: string,
  hash: string,
): Promise<{ user: VerifyUserRow; type: Exclude<EmailVerifyType, "email"> }> {
  let ott;
  switch (type) {
    case "email":
      ott = await findOneTimeToken(db, hash, ["confirmation_token", "recovery_token"]);
      break;
    case "signup":
    case "invite":
      ott = await findOneTimeToken(db, hash, ["confirmation_token"]);
      break;
    case "recovery":
    case "magiclink":
      ott = await findOneTimeToken(db, hash, ["recovery_token"]);
      break;
    case "email_change":
      ott = await findOneTimeToken(db, hash, ["email_change_token_current", "email_change_token_new"]);
      break;
    default:
      throw badRequest("validation_failed", "Invalid email verification type");
  }
  const user = ott ? await lockUser(db, ott.user_id) : null;
  if (!user || !ott) throw forbidden("otp_expired", LINK_INVALID);
  // a concurrent verification of the same token may have committed while we waited for the row lock
  const still = await findOneTimeToken(db, hash, [ott.token_type]);
  if (!still || still.user_id !== user.id) throw forbidden("otp_expired", LINK_INVALID);
  assertNotBanned(user);
  const otpExp = ctx.config.mailerOtpExp;
  let resolved: Exclude<EmailVerifyType, "email">;
  let sentAt: Date | null;
  switch (type) {
    case "email":
      if (user.recovery_token === hash) {
        resolved = "magiclink";
        sentAt = user.recovery_sent_at;
      } else {
        resolved = "signup";
        sentAt = user.confirmation_sent_at;
      }
      break;
    case "signup":
    case "invite":
      resolved = type;
      sentAt = user.confirmation_sent_at;
      break;
    case "recovery":
    case "magiclink":
      resolved = type;
      sentAt = user.recovery_sent_at;
      break;
    default:
      resolved = "email_change";
      sentAt = user.email_change_sent_at;
  }
  if (isOtpExpired(sentAt, otpExp)) throw forbidden("otp_expired", LINK_INVALID);
  return { user, type: resolved };
}

/**
 * GoTrue's verifyUserAndToken: {email, token (the code)} → user, or 403 otp_expired
 * "Token has expired or is invalid". Returns the resolved type and the token hash computed.
 */
export async function findUserByEmailAndOtp(
  ctx: AuthContext,
  db: PoolClient,
  type: string,
  email: string,
  otp: string,
  aud = "authenticated",
): Promise<{ user: VerifyUserRow; type: string; tokenHash: string }> {
  const hash = tokenHash(email, otp);
  const otpExp = ctx.config.mailerOtpExp;
  let user: VerifyUserRow | null = null;
  if (type === "email_change") {
    const types = ctx.config.mailerSecureEmailChangeEnabled
      ? (["email_change_token_current", "email_change_token_new"] as const)
      : (["email_change_token_new"] as const);
    for (const t of types) {
      const ott = (await findOneTimeToken(db, hash, [t])) ?? (await findOneTimeToken(db, PKCE_PREFIX + hash, [t]));
      if (ott) {
        user = await lockUser(db, ott.user_id);
        if (user && user.aud !== aud) user = null;
        if (user) break;
      }
    }
  } else {
    const { rows } = await db.query<{ id: string }>(
      "select id from auth.users where lower(email) = lower($1) and aud = $2 and is_sso_user = false limit 1",
      [email, aud],
    );
    if (rows[0]) user = await lockUser(db, rows[0].id);
  }
  if (!user) throw forbidden("otp_expired", OTP_INVALID);
  assertNotBanned(user);
  let valid = false;
  let resolved = type;
  switch (type) {
    case "email":
      if (isOtpValid(hash, user.confirmation_token, user.confirmation_sent_at, otpExp)) {
        valid = true;
        resolved = "signup";
      } else if (isOtpValid(hash, user.recovery_token, user.recovery_sent_at, otpExp)) {
        valid = true;
        resolved = "magiclink";
      }
      break;
    case "signup":
    case "invite":
      valid = isOtpValid(hash, user.confirmation_token, user.confirmation_sent_at, otpExp);
      break;
    case "recovery":
    case "magiclink":
      valid = isOtpValid(hash, user.recovery_token, user.recovery_sent_at, otpExp);
      break;
    case "email_change":
      valid =
        isOtpValid(hash, user.email_change_token_current, user.email_change_sent_at, otpExp) ||
        isOtpValid(hash, user.email_change_token_new, user.email_change_sent_at, otpExp);
      break;
  }
  if (!valid) throw forbidden("otp_expired", OTP_INVALID);
  return { user, type: resolved, tokenHash: hash };
}

/** GoTrue's user.Confirm: confirmation token cleared, email confirmed, metadata + identity email_verified. */
async function confirmUser(db: PoolClient, userId: string): Promise<void> {
  await db.query(
    `update auth.users set confirmation_token = '', email_confirmed_at = now(),
        raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb,
        updated_at = now()
      where id = $1`,
    [userId],
  );
  await db.query(
    `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
      where user_id = $1 and provider = 'email'`,
    [userId],
  );
  await clearAllOneTimeTokensForUser(db, userId);
}

/** GoTrue's signupVerify: an invited user without a password gets a random one (and loses other sessions). */
async function signupVerify(db: PoolClient, user: VerifyUserRow): Promise<void> {
  if (!user.encrypted_password && user.invited_at) {
    const hash = await hashPassword(randomBytes(32).toString("base64url"));
    await db.query(
      `update auth.users set encrypted_password = $2, confirmation_token = '', confirmation_sent_at = null,
          recovery_token = '', recovery_sent_at = null, email_change_token_current = '', email_change_token_new = '',
          email_change_sent_at = null, reauthentication_token = '', reauthentication_sent_at = null, updated_at = now()
        where id = $1`,
      [user.id, hash],
    );
    await clearAllOneTimeTokensForUser(db, user.id);
    await db.query("delete from auth.sessions where user_id = $1", [user.id]);
  }
  await confirmUser(db, user.id);
}

/** GoTrue's recoverVerify: recovery token consumed; an unconfirmed user becomes confirmed. */
async function recoverVerify(db: PoolClient, user: VerifyUserRow): Promise<void> {
  await db.query("update auth.users set recovery_token = '', updated_at = now() where id = $1", [user.id]);
  await clearAllOneTimeTokensForUser(db, user.id);
  if (!user.email_confirmed_at) await confirmUser(db, user.id);
}

export const SINGLE_CONFIRMATION_ACCEPTED = "Confirmation link accepted. Please proceed to confirm link sent to the other email";

/**
 * GoTrue's emailChangeVerify. With secure email change (and autoconfirm off) the first of the two links only
 * records the confirmation and returns "single"; the second (or the only one) moves the address.
 */
async function emailChangeVerify(
  ctx: AuthContext,
  db: PoolClient,
  user: VerifyUserRow,
  matched: { token?: string; tokenHash: string },
): Promise<"single" | "done"> {
  if (!ctx.config.mailerAutoconfirm && ctx.config.mailerSecureEmailChangeEnabled && (user.email_change_confirm_status ?? 0) === 0 && user.email) {
    const current = await findOneTimeToken(db, matched.tokenHash, ["email_change_token_current"]);
    const isCurrent =
      matched.tokenHash === user.email_change_token_current ||
      PKCE_PREFIX + matched.tokenHash === user.email_change_token_current ||
      current !== null;
    if (isCurrent) {
      await db.query("update auth.users set email_change_token_current = '', email_change_confirm_status = 1 where id = $1", [user.id]);
      await clearOneTimeTokenForUser(db, user.id, "email_change_token_current");
    } else {
      await db.query("update auth.users set email_change_token_new = '', email_change_confirm_status = 1 where id = $1", [user.id]);
      await clearOneTimeTokenForUser(db, user.id, "email_change_token_new");
    }
    return "single";
  }
  const newEmail = user.email_change;
  if (!newEmail) throw forbidden("otp_expired", LINK_INVALID);
  const taken = await db.query("select 1 from auth.users where lower(email) = lower($1) and id <> $2 and is_sso_user = false", [newEmail, user.id]);
  if (taken.rowCount) throw new HttpError(422, "email_exists", "A user with this email address has already been registered");
  await db.query(
    `update auth.users set email = $2, email_change = '', email_change_token_current = '', email_change_token_new = '',
        email_change_confirm_status = 0, updated_at = now()
      where id = $1`,
    [user.id, newEmail],
  );
  await db.query(
    `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text, 'email_verified', true), updated_at = now()
      where user_id = $1 and provider = 'email'`,
    [user.id, newEmail],
  );
  await clearAllOneTimeTokensForUser(db, user.id);
  if (!user.email_confirmed_at) await confirmUser(db, user.id);
  return "done";
}

/**
 * What confirming `type` does to the account. Returns "single" for the first half of a secure email change
 * (no session is issued then), else "done".
 */
export async function applyVerification(
  ctx: AuthContext,
  db: PoolClient,
  user: VerifyUserRow,
  type: string,
  matched: { token?: string; tokenHash: string },
): Promise<"single" | "done"> {
  switch (type) {
    case "signup":
    case "invite":
      await signupVerify(db, user);
      return "done";
    case "recovery":
    case "magiclink":
      await recoverVerify(db, user);
      return "done";
    case "email_change":
      return emailChangeVerify(ctx, db, user, matched);
    default:
      throw badRequest("validation_failed", "Unsupported verification type");
  }
}

/** GoTrue's ParseAuthenticationMethod for the PKCE flow state of a verification type. */
export function authenticationMethodFor(type: string): string {
  if (type.endsWith("signup")) return "email/signup";
  if (["recovery", "invite", "magiclink", "email_change", "otp"].includes(type)) return type;
  throw badRequest("validation_failed", `unsupported authentication method ${type}`);
}
