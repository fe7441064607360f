/**
 * MFA factor storage and rules (GoTrue models/factor.go + api/mfa.go), TOTP only.
 */
import type { PoolClient } from "pg";
import type { Queryable } from "../one-time-tokens";

export type FactorRow = {
  id: string;
  user_id: string;
  friendly_name: string | null;
  factor_type: string;
  status: "verified" | "unverified";
  secret: string | null;
  created_at: Date;
  updated_at: Date;
};

export type ChallengeRow = {
  id: string;
  factor_id: string;
  created_at: Date;
  verified_at: Date | null;
  ip_address: string;
  otp_code: string | null;
  /** the challenge was created from `requestIp` (compared as inet, so IPv6 spellings do not matter) */
  same_ip: boolean;
};

/** GoTrue's factor expiry: unverified, never-challenged factors older than this are removed on enrol. */
export const FACTOR_EXPIRY_SECONDS = 300;
export const MAX_VERIFIED_FACTORS = 10;

const FACTOR_COLUMNS = "id, user_id, friendly_name, factor_type::text as factor_type, status::text as status, secret, created_at, updated_at";

export async function deleteExpiredFactors(db: Queryable): Promise<void> {
  await db.query(
    `delete from auth.mfa_factors f
      where f.status <> 'verified'
        and not exists (select 1 from auth.mfa_challenges c where c.factor_id = f.id)
        and f.created_at + make_interval(secs => $1) < now()`,
    [FACTOR_EXPIRY_SECONDS],
  );
}

export async function listFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  const { rows } = await db.query<FactorRow>(`select ${FACTOR_COLUMNS} from auth.mfa_factors where user_id = $1 order by created_at`, [userId]);
  return rows;
}

export async function findOwnedFactor(db: Queryable, userId: string, factorId: string, lock = false): Promise<FactorRow | null> {
  const { rows } = await db.query<FactorRow>(
    `select ${FACTOR_COLUMNS} from auth.mfa_factors where id = $1 and user_id = $2${lock ? " for update" : ""}`,
    [factorId, userId],
  );
  return rows[0] ?? null;
}

export async function insertTotpFactor(db: Queryable, f: { id: string; userId: string; friendlyName: string; secret: string }): Promise<void> {
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
     values ($1, $2, $3, 'totp', 'unverified', now(), now(), $4)`,
    [f.id, f.userId, f.friendlyName, f.secret],
  );
}

export async function insertChallenge(db: Queryable, c: { id: string; factorId: string; ip: string }): Promise<Date> {
  const { rows } = await db.query<{ created_at: Date }>(
    `insert into auth.mfa_challenges (id, factor_id, created_at, ip_address) values ($1, $2, now(), $3::inet) returning created_at`,
    [c.id, c.factorId, c.ip],
  );
  await db.query("update auth.mfa_factors set last_challenged_at = clock_timestamp() where id = $1", [c.factorId]);
  return rows[0]!.created_at;
}

export async function findChallenge(
  db: Queryable,
  factorId: string,
  challengeId: string,
  requestIp: string,
  lock = false,
): Promise<ChallengeRow | null> {
  const { rows } = await db.query<ChallengeRow>(
    `select id, factor_id, created_at, verified_at, host(ip_address) as ip_address, otp_code, ip_address = $3::inet as same_ip
       from auth.mfa_challenges where id = $1 and factor_id = $2${lock ? " for update" : ""}`,
    [challengeId, factorId, requestIp],
  );
  return rows[0] ?? null;
}

/** Marker kept in mfa_challenges.otp_code (unused for TOTP by GoTrue) to refuse a replayed code. */
const STEP_PREFIX = "totp_step:";

/** The newest TOTP time step this factor has accepted, or undefined. */
export async function lastAcceptedStep(db: Queryable, factorId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ step: string | null }>(
    `select max(substring(otp_code from ${STEP_PREFIX.length + 1})::bigint)::text as step
       from auth.mfa_challenges where factor_id = $1 and verified_at is not null and otp_code like '${STEP_PREFIX}%'`,
    [factorId],
  );
  const s = rows[0]?.step;
  return s ? Number(s) : undefined;
}

export async function markChallengeVerified(db: Queryable, challengeId: string, timeStep: number): Promise<void> {
  await db.query("update auth.mfa_challenges set verified_at = now(), otp_code = $2 where id = $1", [challengeId, `${STEP_PREFIX}${timeStep}`]);
}

/**
 * After unenrolling: sessions that reached aal2 with this factor lose the factor's amr claim and go back to
 * aal1 (GoTrue's DowngradeSessionsToAAL1).
 */
export async function downgradeSessionsOfFactor(db: PoolClient, userId: string, factorId: string): Promise<void> {
  await db.query(
    `delete from auth.mfa_amr_claims where authentication_method = 'totp'
        and session_id in (select id from auth.sessions where factor_id = $1)`,
    [factorId],
  );
  await db.query("update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now() where user_id = $1 and factor_id = $2", [userId, factorId]);
}
