/**
 * auth.users access and GoTrue's user JSON.
 */
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import bcrypt from "bcryptjs";
import type { AuthConfig } from "./config";
import { badRequest, weakPassword } from "./errors";
import type { SessionRow } from "./context";

type Queryable = Pool | PoolClient;
type Json = Record<string, unknown>;

export interface IdentityRecord {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Json;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
  email: string | null;
}

export interface FactorRecord {
  id: string;
  friendly_name: string | null;
  factor_type: string;
  status: string;
  created_at: string;
  updated_at: string;
  phone: string | null;
  last_challenged_at: string | null;
}

export interface UserRecord {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  confirmation_sent_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  email_change_confirm_status: number | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Json | null;
  raw_user_meta_data: Json | null;
  created_at: Date;
  updated_at: Date;
  phone: string | null;
  phone_confirmed_at: Date | null;
  phone_change: string | null;
  phone_change_sent_at: Date | null;
  confirmed_at: Date | null;
  banned_until: Date | null;
  reauthentication_sent_at: Date | null;
  is_sso_user: boolean;
  deleted_at: Date | null;
  is_anonymous: boolean;
  identities: IdentityRecord[];
  factors: FactorRecord[];
}

const USER_WITH_RELATIONS = `
  select u.*,
    coalesce((select json_agg(i order by i.created_at) from auth.identities i where i.user_id = u.id), '[]'::json) as identities,
    coalesce((select json_agg(f order by f.created_at) from auth.mfa_factors f where f.user_id = u.id), '[]'::json) as factors`;

/** One indexed query: the user with identities, factors and (optionally) one of its sessions. */
export async function loadUserById(
  db: Queryable,
  id: string,
  sessionId: string | null = null,
): Promise<{ user: UserRecord | null; session: SessionRow | null }> {
  const { rows } = await db.query({
    name: "local_auth_user_with_session",
    text: `${USER_WITH_RELATIONS},
      (select row_to_json(s) from auth.sessions s where s.id = $2::uuid and s.user_id = u.id) as session
     from auth.users u where u.id = $1::uuid`,
    values: [id, sessionId],
  });
  const row = rows[0] as (UserRecord & { session: Json | null }) | undefined;
  if (!row) return { user: null, session: null };
  const { session, ...user } = row;
  return { user: user as UserRecord, session: session ? toSessionRow(session) : null };
}

/** The user (with identities and factors) and the amr claims of one of its sessions, newest first — one query. */
export async function loadUserWithAmr(
  db: Queryable,
  id: string,
  sessionId: string,
): Promise<{ user: UserRecord | null; amr: { method: string; timestamp: number }[] }> {
  const { rows } = await db.query({
    name: "local_auth_user_with_amr",
    text: `${USER_WITH_RELATIONS},
      coalesce((select json_agg(json_build_object('method', a.authentication_method, 'timestamp', extract(epoch from a.updated_at)::bigint)
                                order by a.updated_at desc)
                  from auth.mfa_amr_claims a where a.session_id = $2::uuid), '[]'::json) as amr
     from auth.users u where u.id = $1::uuid`,
    values: [id, sessionId],
  });
  const row = rows[0] as (UserRecord & { amr: { method: string; timestamp: number }[] }) | undefined;
  if (!row) return { user: null, amr: [] };
  const { amr, ...user } = row;
  return { user: user as UserRecord, amr };
}

export async function getUser(db: Queryable, id: string): Promise<UserRecord | null> {
  return (await loadUserById(db, id)).user;
}

export async function findUserByEmail(db: Queryable, email: string, aud = "authenticated"): Promise<UserRecord | null> {
  const { rows } = await db.query(
    `${USER_WITH_RELATIONS} from auth.users u where lower(u.email) = lower($1) and u.aud = $2 and u.is_sso_user = false limit 1`,
    [email, aud],
  );
  return (rows[0] as UserRecord | undefined) ?? null;
}

function toSessionRow(s: Json): SessionRow {
  const d = (v: unknown) => (v ? new Date(String(v).endsWith("Z") || /[+-]\d\d:?\d\d$/.test(String(v)) ? String(v) : `${String(v)}Z`) : null);
  return {
    id: String(s.id),
    user_id: String(s.user_id),
    created_at: d(s.created_at)!,
    updated_at: d(s.updated_at)!,
    factor_id: (s.factor_id as string | null) ?? null,
    aal: (s.aal as string | null) ?? null,
    not_after: d(s.not_after),
    refreshed_at: d(s.refreshed_at),
    user_agent: (s.user_agent as string | null) ?? null,
    ip: (s.ip as string | null) ?? null,
    tag: (s.tag as string | null) ?? null,
  };
}

const iso = (v: Date | string | null | undefined): string | undefined => {
  if (v === null || v === undefined) return undefined;
  const d = v instanceof Date ? v : new Date(/Z$|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

function compact(obj: Json): Json {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}

export function serializeIdentity(i: IdentityRecord): Json {
  return compact({
    identity_id: i.id,
    id: i.provider_id,
    user_id: i.user_id,
    identity_data: i.identity_data ?? undefined,
    provider: i.provider,
    last_sign_in_at: iso(i.last_sign_in_at),
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    email: i.email || undefined,
  });
}

export function serializeFactor(f: FactorRecord): Json {
  return compact({
    id: f.id,
    friendly_name: f.friendly_name || undefined,
    factor_type: f.factor_type,
    status: f.status,
    created_at: iso(f.created_at),
    updated_at: iso(f.updated_at),
    phone: f.phone ?? "",
    last_challenged_at: iso(f.last_challenged_at) ?? null,
  });
}

/** GoTrue's User JSON (field names, omitempty and order as models.User marshals). */
export function serializeUser(u: UserRecord): Json {
  const factors = (u.factors ?? []).map(serializeFactor);
  return compact({
    id: u.id,
    aud: u.aud ?? "",
    role: u.role ?? "",
    email: u.email ?? "",
    email_confirmed_at: iso(u.email_confirmed_at),
    invited_at: iso(u.invited_at),
    phone: u.phone ?? "",
    phone_confirmed_at: iso(u.phone_confirmed_at),
    confirmation_sent_at: iso(u.confirmation_sent_at),
    confirmed_at: iso(u.confirmed_at),
    recovery_sent_at: iso(u.recovery_sent_at),
    new_email: u.email_change || undefined,
    email_change_sent_at: iso(u.email_change_sent_at),
    new_phone: u.phone_change || undefined,
    phone_change_sent_at: iso(u.phone_change_sent_at),
    reauthentication_sent_at: iso(u.reauthentication_sent_at),
    last_sign_in_at: iso(u.last_sign_in_at),
    app_metadata: u.raw_app_meta_data ?? {},
    user_metadata: u.raw_user_meta_data ?? {},
    factors: factors.length ? factors : undefined,
    identities: (u.identities ?? []).map(serializeIdentity),
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    banned_until: iso(u.banned_until),
    deleted_at: iso(u.deleted_at),
    is_anonymous: u.is_anonymous,
  });
}

/** GoTrue's metadata update: keys merged, a null value deletes the key. */
export function mergeMeta(base: Record<string, unknown> | null, updates: Record<string, unknown>): Record<string, unknown> {
  const out = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(updates)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

const EMAIL_RE = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue's validateEmail: required, ≤255, valid format; returns the lower-cased address. */
export function validateEmail(email: string | undefined): string {
  if (!email) throw badRequest("validation_failed", "An email address is required");
  if (email.length > 255) throw badRequest("validation_failed", "An email address is too long");
  if (!EMAIL_RE.test(email)) throw badRequest("validation_failed", "Unable to validate email address: invalid format");
  return email.toLowerCase();
}

export const MAX_PASSWORD_LENGTH = 72;

/** GoTrue's checkPasswordStrength (HIBP not available offline). */
export function checkPasswordStrength(config: AuthConfig, password: string): void {
  if (Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) {
    throw badRequest("validation_failed", `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  const messages: string[] = [];
  const reasons: string[] = [];
  if ([...password].length < config.passwordMinLength) {
    reasons.push("length");
    messages.push(`Password should be at least ${config.passwordMinLength} characters.`);
  }
  for (const set of config.passwordRequiredCharacters) {
    if (set && ![...set].some((ch) => password.includes(ch))) {
      reasons.push("characters");
      messages.push(`Password should contain at least one character of each: ${config.passwordRequiredCharacters.join(", ")}.`);
      break;
    }
  }
  if (reasons.length) throw weakPassword(messages.join(" "), reasons);
}

export const BCRYPT_COST = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/** Constant-ish time: compares against a dummy hash when the user has none. */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  if (!hash) {
    await bcrypt.compare(password, DUMMY_HASH);
    return false;
  }
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}
const DUMMY_HASH = bcrypt.hashSync("local-auth-dummy-password", BCRYPT_COST);

export interface NewUserInput {
  /** admin API may choose the id */
  id?: string;
  email: string;
  password?: string | null;
  userMetadata?: Json;
  appMetadata?: Json;
  confirmed?: boolean;
  invitedAt?: Date | null;
  confirmationSentAt?: Date | null;
  role?: string;
  aud?: string;
  banDurationSeconds?: number | null;
}

/**
 * Creates a user plus its email identity (GoTrue: identity_data {sub, email, email_verified, phone_verified}
 * merged with user metadata keys not already present). Caller passes a client inside a transaction.
 */
export async function insertUserWithEmailIdentity(db: Queryable, input: NewUserInput): Promise<string> {
  const id = input.id ?? randomUUID();
  const hash = input.password ? await hashPassword(input.password) : "";
  const now = new Date();
  const appMeta = { provider: "email", providers: ["email"], ...(input.appMetadata ?? {}) };
  const userMeta = input.userMetadata ?? {};
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, invited_at,
        confirmation_sent_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_super_admin,
        confirmation_token, recovery_token, email_change_token_new, email_change, banned_until)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, false, '', '', '', '', $12)`,
    [
      id,
      input.aud ?? "authenticated",
      input.role ?? "authenticated",
      input.email,
      hash,
      null,
      input.invitedAt ?? null,
      input.confirmationSentAt ?? null,
      JSON.stringify(appMeta),
      JSON.stringify(userMeta),
      now,
      input.banDurationSeconds ? new Date(now.getTime() + input.banDurationSeconds * 1000) : null,
    ],
  );
  const identityData: Json = { sub: id, email: input.email, email_verified: false, phone_verified: false };
  for (const [k, v] of Object.entries(userMeta)) if (!(k in identityData)) identityData[k] = v;
  await db.query(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values (gen_random_uuid(), $1::text, $1::uuid, $2, 'email', $3, $3, $3)`,
    [id, JSON.stringify(identityData), now],
  );
  if (input.confirmed) await confirmEmail(db, id);
  return id;
}

/**
 * GoTrue's User.Confirm: email_confirmed_at = now, confirmation token cleared, `email_verified: true` merged into
 * user_metadata, every one-time token of the user removed. (The email identity is marked verified as well.)
 */
export async function confirmEmail(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `update auth.users set email_confirmed_at = now(), confirmation_token = '',
            raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb, updated_at = now()
      where id = $1`,
    [userId],
  );
  await db.query(`delete from auth.one_time_tokens where user_id = $1`, [userId]);
  await db.query(
    `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
     where user_id = $1 and provider = 'email'`,
    [userId],
  );
}

/** Adds one audit_log_entries row (GoTrue's payload shape: actor_id, actor_username, action, log_type, traits). */
export async function audit(
  db: Queryable,
  action: string,
  actor: { id: string; email?: string | null; role?: string | null } | null,
  ip: string | null,
  traits: Json = {},
  logType = "user",
): Promise<void> {
  const payload = {
    actor_id: actor?.id ?? "",
    actor_username: actor?.email ?? "",
    actor_via_sso: false,
    action,
    log_type: logType,
    traits,
  };
  await db.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), $1, now(), $2)`,
    [JSON.stringify(payload), ip ?? ""],
  );
}
