/**
 * MFA (TOTP) endpoints, as GoTrue's mfa.go:
 *   POST   /factors                  enrol → {id, type, friendly_name, totp: {qr_code (raw SVG), secret, uri}}
 *   POST   /factors/:id/challenge    → {id, type, expires_at}
 *   POST   /factors/:id/verify       {challenge_id, code} → the SAME session upgraded to aal2 (amr totp added,
 *                                     refresh token swapped); other aal1 sessions of the user are ended
 *   DELETE /factors/:id              → {id}; a verified factor needs an aal2 session
 *   GET    /admin/users/:user_id/factors, PUT|DELETE /admin/users/:user_id/factors/:factor_id (admin; auth.admin.mfa.*)
 * Challenge and verify share GoTrue's MFA limit (GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY per minute).
 * A TOTP code is refused a second time (its time step must be newer than the last accepted one).
 */
import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import type { AuthContext, AuthenticatedRequest } from "../context";
import { clientIp, isUuid, optString, readJson, requireAdmin, requireAuth } from "../context";
import { HttpError, badRequest, forbidden, notFound, unprocessable } from "../errors";
import { withTransaction } from "../tx";
import {
  MAX_VERIFIED_FACTORS,
  deleteExpiredFactors,
  downgradeSessionsOfFactor,
  findChallenge,
  findOwnedFactor,
  insertChallenge,
  insertTotpFactor,
  lastAcceptedStep,
  listFactors,
  markChallengeVerified,
  type FactorRow,
} from "../mfa/factors";
import { generateTotpSecret, qrSvg, totpUri, verifyTotp } from "../mfa/totp";
import { enforceRateLimit } from "../rate-limit";
import { issueSession } from "../sessions";
import { audit, getUser, serializeFactor, type UserRecord } from "../users";

type Authed = AuthenticatedRequest & { session: NonNullable<AuthenticatedRequest["session"]> };

async function requireMfaUser(c: Context, ctx: AuthContext): Promise<Authed> {
  const auth = await requireAuth(c, ctx);
  if (auth.claims.is_anonymous) throw forbidden("no_authorization", "Anonymous user not allowed to perform these actions");
  if (!auth.session) throw forbidden("session_not_found", "A valid session and a registered user are required to use MFA");
  return auth as Authed;
}

async function loadFactor(c: Context, ctx: AuthContext, auth: Authed): Promise<FactorRow> {
  const id = c.req.param("factor_id") ?? "";
  if (!isUuid(id)) throw notFound("validation_failed", "factor_id must be an UUID");
  const factor = await findOwnedFactor(ctx.db, auth.user.id, id);
  if (!factor) throw notFound("mfa_factor_not_found", "Factor not found");
  return factor;
}

/** Challenge and verify must come from the same IP (GoTrue's check); absent an address, a fixed placeholder. */
function requestIp(c: Context): string {
  return clientIp(c) ?? "0.0.0.0";
}

export function register(app: Hono, ctx: AuthContext): void {
  const limitHeader = ctx.config.rateLimit.header;

  app.post("/factors", async (c) => {
    const auth = await requireMfaUser(c, ctx);
    const body = await readJson(c, ctx, { allowEmpty: true });
    const friendlyName = optString(body, "friendly_name") ?? "";
    const factorType = optString(body, "factor_type") ?? "";
    const issuerParam = optString(body, "issuer") ?? "";
    optString(body, "phone");
    switch (factorType) {
      case "totp":
        if (!ctx.config.mfaTotpEnrollEnabled) throw unprocessable("mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP");
        break;
      case "phone":
        throw unprocessable("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone");
      case "webauthn":
        throw unprocessable("mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn");
      default:
        throw badRequest("validation_failed", "factor_type needs to be totp, phone, or webauthn");
    }
    let issuer = issuerParam;
    if (!issuer) {
      try {
        issuer = new URL(ctx.config.siteUrl).host;
      } catch {
        issuer = "localhost";
      }
    }

    await deleteExpiredFactors(ctx.db);
    const factors = await listFactors(ctx.db, auth.user.id);
    let verified = 0;
    for (const f of factors) {
      if ((f.friendly_name ?? "") === friendlyName) {
        throw unprocessable("mfa_factor_name_conflict", `A factor with the friendly name ${JSON.stringify(friendlyName)} for this user already exists`);
      }
      if (f.status === "verified") verified++;
    }
    if (factors.length >= ctx.config.mfaMaxEnrolledFactors || verified >= MAX_VERIFIED_FACTORS) {
      throw unprocessable("too_many_enrolled_mfa_factors", "Maximum number of verified factors reached, unenroll to continue");
    }
    if (verified > 0 && auth.session.aal !== "aal2") throw forbidden("insufficient_aal", "AAL2 required to enroll a new factor");

    const secret = generateTotpSecret();
    const uri = totpUri({ issuer, account: auth.user.email ?? "", secret });
    const qr = await qrSvg(uri);
    const id = randomUUID();
    await withTransaction(ctx, async (db) => {
      await insertTotpFactor(db, { id, userId: auth.user.id, friendlyName, secret });
      await audit(db, "factor_in_progress", auth.user, clientIp(c), { factor_id: id });
    });
    return c.json({ id, type: "totp", friendly_name: friendlyName, totp: { qr_code: qr, secret, uri } });
  });

  app.post("/factors/:factor_id/challenge", async (c) => {
    const auth = await requireMfaUser(c, ctx);
    const factor = await loadFactor(c, ctx, auth);
    enforceRateLimit(c, ctx.limiters, limitHeader, "factorChallenge");
    if (factor.factor_type !== "totp") throw unprocessable("mfa_phone_verify_not_enabled", "MFA verification is disabled for Phone");
    if (!ctx.config.mfaTotpVerifyEnabled) throw unprocessable("mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP");
    const id = randomUUID();
    const createdAt = await withTransaction(ctx, async (db) => {
      const at = await insertChallenge(db, { id, factorId: factor.id, ip: requestIp(c) });
      await audit(db, "challenge_created", auth.user, clientIp(c), { factor_id: factor.id, factor_status: factor.status });
      return at;
    });
    const expiresAt = Math.floor(createdAt.getTime() / 1000) + ctx.config.mfaChallengeExpiryDuration;
    return c.json({ id, type: factor.factor_type, expires_at: expiresAt });
  });

  app.post("/factors/:factor_id/verify", async (c) => {
    const auth = await requireMfaUser(c, ctx);
    const factor = await loadFactor(c, ctx, auth);
    enforceRateLimit(c, ctx.limiters, limitHeader, "factorVerify");
    const body = await readJson(c, ctx);
    const challengeId = optString(body, "challenge_id") ?? "";
    const code = optString(body, "code") ?? "";
    if (!isUuid(challengeId)) {
      throw badRequest("bad_json", "Could not parse request body as JSON: uuid: incorrect UUID length or format in challenge_id");
    }
    if (code === "") throw badRequest("validation_failed", "Code needs to be non-empty");
    if (factor.factor_type !== "totp") throw unprocessable("mfa_phone_verify_not_enabled", "MFA verification is disabled for Phone");
    if (!ctx.config.mfaTotpVerifyEnabled) throw unprocessable("mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP");

    const ip = requestIp(c);
    let expired: HttpError | null = null;
    const session = await withTransaction(ctx, async (db) => {
      const challenge = await findChallenge(db, factor.id, challengeId, ip, true);
      if (!challenge) throw unprocessable("mfa_factor_not_found", "MFA factor with the provided challenge ID not found");
      if (challenge.verified_at || !challenge.same_ip) {
        throw unprocessable("mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch.");
      }
      if (Date.now() > challenge.created_at.getTime() + ctx.config.mfaChallengeExpiryDuration * 1000) {
        await db.query("delete from auth.mfa_challenges where id = $1", [challenge.id]);
        expired = unprocessable(
          "mfa_challenge_expired",
          `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`,
        );
        return null;
      }
      // serialise verifications of this factor so one code cannot be accepted twice concurrently
      await db.query("select id from auth.mfa_factors where id = $1 for update", [factor.id]);
      const after = await lastAcceptedStep(db, factor.id);
      const check = await verifyTotp(factor.secret ?? "", code, after !== undefined ? { afterTimeStep: after } : {});
      if (!check.valid) throw unprocessable("mfa_verification_failed", "Invalid TOTP code entered");
      await audit(db, "verification_attempted", auth.user, clientIp(c), { factor_id: factor.id, challenge_id: challenge.id, factor_type: "totp" });
      await markChallengeVerified(db, challenge.id, check.timeStep);
      if (factor.status !== "verified") {
        await db.query("update auth.mfa_factors set status = 'verified', updated_at = now() where id = $1", [factor.id]);
      }
      const s = await issueSession(ctx, auth.user, { sessionId: auth.session.id, aal: "aal2", amr: "totp", factorId: factor.id, db });
      await db.query("delete from auth.sessions where user_id = $1 and (aal is null or aal < 'aal2')", [auth.user.id]);
      await db.query("delete from auth.mfa_factors where user_id = $1 and status = 'unverified' and factor_type = 'totp'", [auth.user.id]);
      return s;
    });
    if (expired) throw expired;
    return c.json(session);
  });

  app.delete("/factors/:factor_id", async (c) => {
    const auth = await requireMfaUser(c, ctx);
    const factor = await loadFactor(c, ctx, auth);
    if (factor.status === "verified" && auth.session.aal !== "aal2") {
      throw unprocessable("insufficient_aal", "AAL2 required to unenroll verified factor");
    }
    await withTransaction(ctx, async (db) => {
      await db.query("delete from auth.mfa_factors where id = $1", [factor.id]);
      await audit(db, "factor_unenrolled", auth.user, clientIp(c), { factor_id: factor.id, factor_status: factor.status, session_id: auth.session.id });
      await downgradeSessionsOfFactor(db, auth.user.id, factor.id);
    });
    return c.json({ id: factor.id });
  });

  const adminLoad = async (c: Context): Promise<UserRecord> => {
    await requireAdmin(c, ctx);
    const userId = c.req.param("user_id") ?? "";
    if (!isUuid(userId)) throw notFound("validation_failed", "user_id must be an UUID");
    const user = await getUser(ctx.db, userId);
    if (!user) throw notFound("user_not_found", "User not found");
    return user;
  };
  const adminFactor = (c: Context, user: UserRecord) => {
    const factorId = c.req.param("factor_id") ?? "";
    if (!isUuid(factorId)) throw notFound("validation_failed", "factor_id must be an UUID");
    const factor = (user.factors ?? []).find((f) => f.id === factorId);
    if (!factor) throw notFound("mfa_factor_not_found", "Factor not found");
    return factor;
  };

  app.get("/admin/users/:user_id/factors", async (c) => {
    const user = await adminLoad(c);
    return c.json((user.factors ?? []).map(serializeFactor));
  });

  app.put("/admin/users/:user_id/factors/:factor_id", async (c) => {
    const user = await adminLoad(c);
    const factor = adminFactor(c, user);
    const body = await readJson(c, ctx);
    const friendlyName = optString(body, "friendly_name") ?? "";
    optString(body, "phone");
    if (friendlyName !== "") {
      await ctx.db.query("update auth.mfa_factors set friendly_name = $2, updated_at = now() where id = $1", [factor.id, friendlyName]);
    }
    const fresh = await getUser(ctx.db, user.id);
    return c.json(serializeFactor((fresh?.factors ?? []).find((f) => f.id === factor.id) ?? factor));
  });

  app.delete("/admin/users/:user_id/factors/:factor_id", async (c) => {
    const user = await adminLoad(c);
    const factor = adminFactor(c, user);
    await withTransaction(ctx, async (db) => {
      await audit(db, "factor_deleted", user, clientIp(c), { user_id: user.id, factor_id: factor.id });
      await db.query("delete from auth.mfa_factors where id = $1", [factor.id]);
      await downgradeSessionsOfFactor(db, user.id, factor.id);
    });
    return c.json(serializeFactor(factor));
  });
}
