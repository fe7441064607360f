/**
 * PKCE flow state (auth.flow_state): created when a flow starts with a code_challenge, turned into an
 * auth code when the email link is verified, consumed by the `pkce` grant. Expires after 300 s.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { badRequest, notFound, unprocessable } from "./errors";

type Queryable = Pool | PoolClient;

export const FLOW_STATE_EXPIRY_SECONDS = 300;

export interface FlowStateRow {
  id: string;
  user_id: string | null;
  auth_code: string;
  code_challenge_method: "s256" | "plain";
  code_challenge: string;
  provider_type: string;
  authentication_method: string;
  created_at: Date;
  auth_code_issued_at: Date | null;
}

/**
 * GoTrue's validatePKCEParams: both or neither; challenge 43–128 chars of [A-Za-z0-9-._~];
 * method s256/plain (case-insensitive). Returns the normalised method, or null when not a PKCE flow.
 */
export function validatePkceParams(method: string | undefined, challenge: string | undefined): "s256" | "plain" | null {
  const m = method ?? "";
  const ch = challenge ?? "";
  if (m === "" && ch === "") return null;
  if (m === "" || ch === "") throw badRequest("validation_failed", "PKCE flow requires code_challenge_method and code_challenge");
  const norm = m.toLowerCase();
  if (norm !== "s256" && norm !== "plain") {
    throw badRequest("validation_failed", `code challenge method ${m} not supported`);
  }
  if (ch.length < 43 || ch.length > 128) throw badRequest("validation_failed", "code challenge has to be between 43 and 128 characters");
  if (!/^[A-Za-z0-9\-._~]+$/.test(ch)) {
    throw badRequest("validation_failed", "code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes");
  }
  return norm;
}

/** Creates a flow state; `authenticationMethod` is GoTrue's name: email/signup, recovery, magiclink, invite, email_change, otp … */
export async function createFlowState(
  db: Queryable,
  opts: { userId: string | null; codeChallenge: string; codeChallengeMethod: "s256" | "plain"; authenticationMethod: string; providerType?: string },
): Promise<FlowStateRow> {
  const id = randomUUID();
  const authCode = randomUUID();
  const { rows } = await db.query<FlowStateRow>(
    `insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, created_at, updated_at, authentication_method)
     values ($1, $2, $3, $4, $5, $6, now(), now(), $7)
     returning id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, created_at, auth_code_issued_at`,
    [id, opts.userId, authCode, opts.codeChallengeMethod, opts.codeChallenge, opts.providerType ?? "email", opts.authenticationMethod],
  );
  return rows[0]!;
}

/**
 * GoTrue's issueAuthCode: the newest flow state of `userId` for `authenticationMethod` gets its auth code
 * issued (auth_code_issued_at = now) and the code is returned for the `?code=` redirect.
 */
export async function issueAuthCode(db: Queryable, userId: string, authenticationMethod: string): Promise<string> {
  const { rows } = await db.query<{ auth_code: string }>(
    `update auth.flow_state set auth_code_issued_at = now(), updated_at = now()
      where id = (select id from auth.flow_state where user_id = $1 and authentication_method = $2 order by created_at desc limit 1)
      returning auth_code`,
    [userId, authenticationMethod],
  );
  if (!rows[0]) throw unprocessable("flow_state_not_found", "No valid flow state found for user.");
  return rows[0].auth_code;
}

export function isFlowStateExpired(f: FlowStateRow, now = Date.now()): boolean {
  const base = f.auth_code_issued_at && f.authentication_method === "magiclink" ? f.auth_code_issued_at : f.created_at;
  return now > base.getTime() + FLOW_STATE_EXPIRY_SECONDS * 1000;
}

export function verifyPkce(f: FlowStateRow, verifier: string): boolean {
  if (f.code_challenge_method === "plain") return verifier === f.code_challenge;
  const digest = createHash("sha256").update(verifier).digest("base64url");
  return digest === f.code_challenge;
}

/**
 * The `pkce` grant's checks: flow state by auth code (404 flow_state_not_found), not expired
 * (422 flow_state_expired), verifier matches (400 bad_code_verifier). Deletes the flow state on success
 * and returns it. Pass a client inside a transaction.
 */
export async function consumeFlowState(db: Queryable, authCode: string, codeVerifier: string): Promise<FlowStateRow & { user_id: string }> {
  const { rows } = await db.query<FlowStateRow>(
    `select id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, created_at, auth_code_issued_at
       from auth.flow_state where auth_code = $1 for update`,
    [authCode],
  );
  const f = rows[0];
  if (!f || !f.user_id) throw notFound("flow_state_not_found", "invalid flow state, no valid flow state found");
  if (isFlowStateExpired(f)) throw unprocessable("flow_state_expired", "invalid flow state, flow state has expired");
  if (!verifyPkce(f, codeVerifier)) throw badRequest("bad_code_verifier", "code challenge does not match previously saved code verifier");
  await db.query(`delete from auth.flow_state where id = $1`, [f.id]);
  return f as FlowStateRow & { user_id: string };
}
