/**
 * Sending the auth mails, GoTrue's way (internal/api/mail.go):
 * - per-user spacing: a second mail of the same kind within GOTRUE_SMTP_MAX_FREQUENCY seconds →
 *   429 over_email_send_rate_limit "For security purposes, you can only request this after N seconds."
 *   (recovery and magic link share recovery_sent_at, as in GoTrue);
 * - the global hourly email limit (GOTRUE_RATE_LIMIT_EMAIL_SENT) when autoconfirm is off, and always when it is 0
 *   → 429 over_email_send_rate_limit "email rate limit exceeded";
 * - a fresh OTP + token_hash written to the user row and auth.one_time_tokens, then the mail; callers run this
 *   inside a transaction so a failed send leaves nothing behind (GoTrue restores the old token the same way).
 */
import type { PoolClient } from "pg";
import type { AuthContext } from "../context";
import { HttpError, tooManyRequests } from "../errors";
import { createMailer, type Mailer, type MailKind, type SendParams } from "../mailer";
import { issueEmailToken, type FlowType } from "../one-time-tokens";

type Json = Record<string, unknown>;

/** The user fields the mail flows read. */
export type MailUser = {
  id: string;
  email: string | null;
  raw_user_meta_data?: Json | null;
  confirmation_sent_at?: Date | null;
  recovery_sent_at?: Date | null;
  reauthentication_sent_at?: Date | null;
  email_change_sent_at?: Date | null;
};

const mailers = new WeakMap<AuthContext, Mailer>();

/** GOTRUE_MAILER_* / GOTRUE_SMTP_* variables (template overrides, SMTP AUTH) of the server's merged env. */
function contextEnv(ctx: AuthContext): Record<string, string | undefined> {
  return ctx.config.mailerEnv ?? process.env;
}

export function mailerFor(ctx: AuthContext): Mailer {
  let m = mailers.get(ctx);
  if (!m) {
    const env = contextEnv(ctx);
    m = createMailer({
      smtp: { host: ctx.smtp.host, port: ctx.smtp.port, user: env.GOTRUE_SMTP_USER, pass: env.GOTRUE_SMTP_PASS },
      from: ctx.config.mailFrom,
      senderName: ctx.config.smtpSenderName || undefined,
      siteUrl: ctx.config.siteUrl,
      externalUrl: ctx.apiExternalUrl || ctx.issuer,
      linkStyle: ctx.config.mailerLinkStyle,
      env,
    });
    mailers.set(ctx, m);
  }
  return m;
}

/** Close the SMTP connection pool of this context's mailer (server shutdown). */
export function closeMailer(ctx: AuthContext): void {
  mailers.get(ctx)?.close();
  mailers.delete(ctx);
}

/** GoTrue's validateSentWithinFrequencyLimit. */
export function assertSendFrequency(sentAt: Date | null | undefined, maxFrequencySeconds: number): void {
  if (!sentAt || maxFrequencySeconds <= 0) return;
  const until = sentAt.getTime() + maxFrequencySeconds * 1000;
  const now = Date.now();
  if (until > now) {
    const left = Math.floor((until - now) / 1000);
    throw tooManyRequests("over_email_send_rate_limit", `For security purposes, you can only request this after ${left} seconds.`);
  }
}

const SEND_ERROR: Record<MailKind, string> = {
  confirmation: "Error sending confirmation email",
  invite: "Error sending invite email",
  magic_link: "Error sending magic link email",
  recovery: "Error sending recovery email",
  email_change: "Error sending email change email",
  reauthentication: "Error sending reauthentication email",
};

export type DeliverParams = Omit<SendParams, "data"> & { data?: Json | null };

/** Apply the global email limit, send, and map failures to GoTrue's errors (never logging the token). */
export async function deliverMail(ctx: AuthContext, kind: MailKind, p: DeliverParams): Promise<void> {
  const limit = ctx.config.rateLimit.emailSent;
  if (limit <= 0 || (!ctx.config.mailerAutoconfirm && !ctx.limiters.email.take())) {
    throw tooManyRequests("over_email_send_rate_limit", "email rate limit exceeded");
  }
  try {
    await mailerFor(ctx).send(kind, { ...p, data: p.data ?? {} });
  } catch (err) {
    ctx.log(`mail: ${kind} to user failed: ${(err as Error).name}: ${String((err as Error).message).slice(0, 200)}`);
    throw new HttpError(500, "unexpected_failure", SEND_ERROR[kind]);
  }
}

export type LinkMailOptions = { flow: FlowType; redirectTo: string };

function requireEmail(user: MailUser): string {
  if (!user.email) throw new HttpError(400, "validation_failed", "An email address is required");
  return user.email;
}

/** Password recovery mail (recovery_token). */
export async function sendRecoveryMail(ctx: AuthContext, db: PoolClient, user: MailUser, o: LinkMailOptions): Promise<void> {
  const email = requireEmail(user);
  assertSendFrequency(user.recovery_sent_at, ctx.config.smtpMaxFrequency);
  const t = await issueEmailToken(db, { id: user.id, email }, "recovery_token", { flow: o.flow, otpLength: ctx.config.mailerOtpLength });
  await deliverMail(ctx, "recovery", { to: email, email, otp: t.otp, tokenHash: t.tokenHash, redirectTo: o.redirectTo, data: user.raw_user_meta_data });
}

/** Magic link mail: a recovery_token with the magic link template (GoTrue shares the recovery timer). */
export async function sendMagicLinkMail(ctx: AuthContext, db: PoolClient, user: MailUser, o: LinkMailOptions): Promise<void> {
  const email = requireEmail(user);
  assertSendFrequency(user.recovery_sent_at, ctx.config.smtpMaxFrequency);
  const t = await issueEmailToken(db, { id: user.id, email }, "recovery_token", { flow: o.flow, otpLength: ctx.config.mailerOtpLength });
  await deliverMail(ctx, "magic_link", { to: email, email, otp: t.otp, tokenHash: t.tokenHash, redirectTo: o.redirectTo, data: user.raw_user_meta_data });
}

/** Signup confirmation mail (confirmation_token). */
export async function sendSignupConfirmationMail(ctx: AuthContext, db: PoolClient, user: MailUser, o: LinkMailOptions): Promise<void> {
  const email = requireEmail(user);
  assertSendFrequency(user.confirmation_sent_at, ctx.config.smtpMaxFrequency);
  const t = await issueEmailToken(db, { id: user.id, email }, "confirmation_token", { flow: o.flow, otpLength: ctx.config.mailerOtpLength });
  await deliverMail(ctx, "confirmation", { to: email, email, otp: t.otp, tokenHash: t.tokenHash, redirectTo: o.redirectTo, data: user.raw_user_meta_data });
}

/** Invite mail (confirmation_token, always implicit; stamps invited_at). No per-user spacing, as in GoTrue. */
export async function sendInviteMail(ctx: AuthContext, db: PoolClient, user: MailUser, o: { redirectTo: string }): Promise<void> {
  const email = requireEmail(user);
  const t = await issueEmailToken(db, { id: user.id, email }, "confirmation_token", { flow: "implicit", otpLength: ctx.config.mailerOtpLength });
  await db.query("update auth.users set invited_at = $2 where id = $1", [user.id, t.sentAt]);
  await deliverMail(ctx, "invite", { to: email, email, otp: t.otp, tokenHash: t.tokenHash, redirectTo: o.redirectTo, data: user.raw_user_meta_data });
}

/** Reauthentication nonce mail (code only). */
export async function sendReauthenticationMail(ctx: AuthContext, db: PoolClient, user: MailUser): Promise<void> {
  const email = requireEmail(user);
  assertSendFrequency(user.reauthentication_sent_at, ctx.config.smtpMaxFrequency);
  const t = await issueEmailToken(db, { id: user.id, email }, "reauthentication_token", { flow: "implicit", otpLength: ctx.config.mailerOtpLength });
  await deliverMail(ctx, "reauthentication", { to: email, email, otp: t.otp, data: user.raw_user_meta_data });
}

/**
 * Email change mails (GoTrue's sendEmailChange): a token for the new address (email_change_token_new, mailed
 * to the new address) and, with secure email change on and a current address, one for the current address
 * (email_change_token_current). Sets users.email_change and resets email_change_confirm_status.
 */
export async function sendEmailChangeMails(
  ctx: AuthContext,
  db: PoolClient,
  user: MailUser,
  newEmail: string,
  o: LinkMailOptions,
): Promise<void> {
  assertSendFrequency(user.email_change_sent_at, ctx.config.smtpMaxFrequency);
  await db.query(
    "update auth.users set email_change = $2, email_change_confirm_status = 0, email_change_token_current = '', updated_at = now() where id = $1",
    [user.id, newEmail],
  );
  const otpLength = ctx.config.mailerOtpLength;
  const fresh = await issueEmailToken(db, { id: user.id, email: newEmail }, "email_change_token_new", { flow: o.flow, otpLength, hashEmail: newEmail });
  let current: { otp: string; tokenHash: string } | null = null;
  if (ctx.config.mailerSecureEmailChangeEnabled && user.email) {
    current = await issueEmailToken(db, { id: user.id, email: user.email }, "email_change_token_current", { flow: o.flow, otpLength });
  }
  const common = { email: user.email ?? "", newEmail, redirectTo: o.redirectTo, data: user.raw_user_meta_data };
  await deliverMail(ctx, "email_change", { ...common, to: newEmail, otp: fresh.otp, tokenHash: fresh.tokenHash });
  if (current && user.email) {
    await deliverMail(ctx, "email_change", { ...common, to: user.email, otp: current.otp, tokenHash: current.tokenHash });
  }
}
