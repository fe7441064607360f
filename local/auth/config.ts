/**
 * GoTrue-style configuration for the local auth server.
 *
 * Every option is read from a GOTRUE_* variable named like GoTrue's own (the `env` passed to
 * startAuthServer overrides process.env). Defaults follow the Supabase CLI's local config.toml
 * (`enable_confirmations = false` → autoconfirm on, `minimum_password_length = 6`, …) and,
 * where the CLI is silent, GoTrue's own defaults.
 */

export type MailerLinkStyle = "verify" | "token_hash";

export interface RateLimitConfig {
  /** GOTRUE_RATE_LIMIT_HEADER — header whose first value keys the per-IP limits (Sb-Forwarded-For is always honoured). */
  header: string;
  /** per hour, global (GOTRUE_RATE_LIMIT_EMAIL_SENT) */
  emailSent: number;
  /** per 5 minutes (GOTRUE_RATE_LIMIT_TOKEN_REFRESH) */
  tokenRefresh: number;
  /** per 5 minutes (GOTRUE_RATE_LIMIT_VERIFY) */
  verify: number;
  /** per 5 minutes: signup, recover, resend, otp, magiclink, PUT /user (GOTRUE_RATE_LIMIT_OTP) */
  otp: number;
  /** per minute (GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY) */
  mfaChallengeAndVerify: number;
  /** per hour (GOTRUE_RATE_LIMIT_ANONYMOUS_USERS) */
  anonymousUsers: number;
  /** per 5 minutes (GOTRUE_RATE_LIMIT_SSO) */
  sso: number;
}

export interface AuthConfig {
  siteUrl: string;
  uriAllowList: string[];
  jwtExp: number;
  jwtAud: string;
  jwtAdminRoles: string[];
  jwtDefaultGroupName: string;
  jwtSecret: string | null;
  jwtKeys: string | null;
  disableSignup: boolean;
  externalEmailEnabled: boolean;
  mailerAutoconfirm: boolean;
  mailerSecureEmailChangeEnabled: boolean;
  mailerOtpExp: number;
  mailerOtpLength: number;
  /** GOTRUE_MAILER_LINK_STYLE: "verify" (GoTrue's {{ .ConfirmationURL }}) or "token_hash" ({SITE_URL}/auth/confirm?token_hash=…) */
  mailerLinkStyle: MailerLinkStyle;
  /** seconds between two mails of the same kind to one user (GOTRUE_SMTP_MAX_FREQUENCY, CLI default 1s; GoTrue 60s) */
  smtpMaxFrequency: number;
  smtpAdminEmail: string;
  smtpSenderName: string;
  passwordMinLength: number;
  /** GOTRUE_PASSWORD_REQUIRED_CHARACTERS: sets of characters separated by ':' */
  passwordRequiredCharacters: string[];
  refreshTokenRotationEnabled: boolean;
  refreshTokenReuseInterval: number;
  updatePasswordRequireReauthentication: boolean;
  /** GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD */
  updatePasswordRequireCurrentPassword: boolean;
  sessionsTimebox: number;
  sessionsInactivityTimeout: number;
  mfaTotpEnrollEnabled: boolean;
  mfaTotpVerifyEnabled: boolean;
  mfaMaxEnrolledFactors: number;
  mfaChallengeExpiryDuration: number;
  flowStateExpirySeconds: number;
  anonymousEnabled: boolean;
  rateLimit: RateLimitConfig;
  /** maximum accepted request body in bytes (GoTrue: GOTRUE_API_MAX_REQUEST_SIZE? we use 1 MiB) */
  maxBodyBytes: number;
  /** mail "from" */
  mailFrom: string;
  /** GOTRUE_MAILER_* and GOTRUE_SMTP_* of the merged env (template/subject overrides, SMTP AUTH) — read by flows/mail.ts */
  mailerEnv?: Record<string, string | undefined>;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, def: string): string {
  const v = env[name];
  return v === undefined || v === "" ? def : v;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return def;
  return ["1", "true", "t", "yes", "on"].includes(v.trim().toLowerCase());
}

function num(env: Env, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
}

/** Go duration ("1s", "1m30s", "60") → seconds. */
export function parseDuration(v: string): number {
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let matched = "";
  for (const m of t.matchAll(re)) {
    matched += m[0];
    const n = Number(m[1]);
    total += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : m[2] === "ms" ? n / 1000 : n;
  }
  if (matched !== t) throw new Error(`invalid duration: ${v}`);
  return total;
}

function duration(env: Env, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  return parseDuration(v);
}

function list(env: Env, name: string, def: string[]): string[] {
  const v = env[name];
  if (v === undefined) return def;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadConfig(env: Env, opts: { siteUrl?: string } = {}): AuthConfig {
  const siteUrl = str(env, "GOTRUE_SITE_URL", opts.siteUrl ?? "http://127.0.0.1:3000");
  const linkStyle = str(env, "GOTRUE_MAILER_LINK_STYLE", "verify");
  if (linkStyle !== "verify" && linkStyle !== "token_hash") {
    throw new Error("GOTRUE_MAILER_LINK_STYLE must be 'verify' or 'token_hash'");
  }
  const required = str(env, "GOTRUE_PASSWORD_REQUIRED_CHARACTERS", "");
  return {
    siteUrl,
    uriAllowList: list(env, "GOTRUE_URI_ALLOW_LIST", ["https://127.0.0.1:3000"]),
    jwtExp: num(env, "GOTRUE_JWT_EXP", 3600),
    jwtAud: str(env, "GOTRUE_JWT_AUD", "authenticated"),
    jwtAdminRoles: list(env, "GOTRUE_JWT_ADMIN_ROLES", ["service_role", "supabase_admin"]),
    jwtDefaultGroupName: str(env, "GOTRUE_JWT_DEFAULT_GROUP_NAME", "authenticated"),
    jwtSecret: env.GOTRUE_JWT_SECRET ? env.GOTRUE_JWT_SECRET : null,
    jwtKeys: env.GOTRUE_JWT_KEYS ? env.GOTRUE_JWT_KEYS : null,
    disableSignup: bool(env, "GOTRUE_DISABLE_SIGNUP", false),
    externalEmailEnabled: bool(env, "GOTRUE_EXTERNAL_EMAIL_ENABLED", true),
    mailerAutoconfirm: bool(env, "GOTRUE_MAILER_AUTOCONFIRM", true),
    mailerSecureEmailChangeEnabled: bool(env, "GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED", true),
    mailerOtpExp: num(env, "GOTRUE_MAILER_OTP_EXP", 3600),
    mailerOtpLength: num(env, "GOTRUE_MAILER_OTP_LENGTH", 6),
    mailerLinkStyle: linkStyle,
    smtpMaxFrequency: duration(env, "GOTRUE_SMTP_MAX_FREQUENCY", 1),
    smtpAdminEmail: str(env, "GOTRUE_SMTP_ADMIN_EMAIL", "admin@email.com"),
    smtpSenderName: str(env, "GOTRUE_SMTP_SENDER_NAME", ""),
    passwordMinLength: num(env, "GOTRUE_PASSWORD_MIN_LENGTH", 6),
    passwordRequiredCharacters: required ? required.split(":").filter(Boolean) : [],
    refreshTokenRotationEnabled: bool(env, "GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED", true),
    refreshTokenReuseInterval: num(env, "GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL", 10),
    updatePasswordRequireReauthentication: bool(env, "GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION", false),
    updatePasswordRequireCurrentPassword: bool(env, "GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD", false),
    sessionsTimebox: duration(env, "GOTRUE_SESSIONS_TIMEBOX", 0),
    sessionsInactivityTimeout: duration(env, "GOTRUE_SESSIONS_INACTIVITY_TIMEOUT", 0),
    mfaTotpEnrollEnabled: bool(env, "GOTRUE_MFA_TOTP_ENROLL_ENABLED", true),
    mfaTotpVerifyEnabled: bool(env, "GOTRUE_MFA_TOTP_VERIFY_ENABLED", true),
    mfaMaxEnrolledFactors: num(env, "GOTRUE_MFA_MAX_ENROLLED_FACTORS", 10),
    mfaChallengeExpiryDuration: duration(env, "GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION", 300),
    flowStateExpirySeconds: 300,
    anonymousEnabled: false,
    rateLimit: {
      header: str(env, "GOTRUE_RATE_LIMIT_HEADER", ""),
      emailSent: num(env, "GOTRUE_RATE_LIMIT_EMAIL_SENT", 30),
      tokenRefresh: num(env, "GOTRUE_RATE_LIMIT_TOKEN_REFRESH", 150),
      verify: num(env, "GOTRUE_RATE_LIMIT_VERIFY", 30),
      otp: num(env, "GOTRUE_RATE_LIMIT_OTP", 30),
      mfaChallengeAndVerify: num(env, "GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY", 15),
      anonymousUsers: num(env, "GOTRUE_RATE_LIMIT_ANONYMOUS_USERS", 30),
      sso: num(env, "GOTRUE_RATE_LIMIT_SSO", 30),
    },
    maxBodyBytes: num(env, "GOTRUE_API_MAX_REQUEST_SIZE", 1024 * 1024),
    mailFrom: str(env, "GOTRUE_SMTP_ADMIN_EMAIL", "admin@email.com"),
    mailerEnv: Object.fromEntries(Object.entries(env).filter(([k]) => /^GOTRUE_(MAILER|SMTP)_/.test(k))),
  };
}
