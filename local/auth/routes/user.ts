/** GET /user and PUT /user (GoTrue's UserGet / UserUpdate). */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { withTransaction } from "../tx";
import { clientIp, optObject, optString, readJson, requireAuth } from "../context";
import { HttpError, badRequest, forbidden, unprocessable } from "../errors";
import { createFlowState, validatePkceParams } from "../flow-state";
import { enforceRateLimit } from "../rate-limit";
import { updatePassword } from "../sessions";
import { audit, checkPasswordStrength, findUserByEmail, getUser, hashPassword, mergeMeta, serializeUser, validateEmail, verifyPassword } from "../users";
import { sendEmailChange } from "../flows/email-change";
import { consumeReauthenticationNonce } from "../one-time-tokens";


export function register(app: Hono, ctx: AuthContext): void {
  app.get("/user", async (c) => {
    const { user, claims } = await requireAuth(c, ctx);
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    const requestAud = c.req.header("x-jwt-aud") || ctx.config.jwtAud;
    if (!aud || aud !== requestAud) throw badRequest("validation_failed", "Token audience doesn't match request audience");
    return c.json(serializeUser(user));
  });

  app.put("/user", async (c) => {
    const auth = await requireAuth(c, ctx);
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "user");
    const body = await readJson(c, ctx);
    const user = auth.user;
    const session = auth.session;
    const ip = clientIp(c);

    let email = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const password = body.password === undefined || body.password === null ? undefined : optString(body, "password");
    const nonce = optString(body, "nonce") ?? "";
    const currentPassword = optString(body, "current_password");
    const data = optObject(body, "data");
    const appData = optObject(body, "app_metadata");
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");

    if (email !== "") email = validateEmail(email);
    if (phone !== "") throw unprocessable("phone_provider_disabled", "Phone changes are disabled");
    if (password !== undefined) checkPasswordStrength(ctx.config, password);
    if (appData !== undefined && !ctx.config.jwtAdminRoles.includes(user.role ?? "")) {
      throw forbidden("not_admin", "Updating app_metadata requires admin privileges");
    }
    const pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);

    const hasVerifiedFactor = user.factors.some((f) => f.status === "verified");
    const emailChanging = email !== "" && email !== (user.email ?? "");
    if (hasVerifiedFactor && session?.aal !== "aal2" && ((password !== undefined && password !== "") || emailChanging)) {
      throw new HttpError(401, "insufficient_aal", "AAL2 session is required to update email or password when MFA is enabled.");
    }
    if (user.is_sso_user && ((password !== undefined && password !== "") || emailChanging || nonce !== "")) {
      throw unprocessable("user_sso_managed", "Updating email, phone, password of a SSO account only possible via SSO");
    }
    if (emailChanging) {
      const dup = await findUserByEmail(ctx.db, email);
      if (dup && dup.id !== user.id) throw unprocessable("email_exists", "A user with this email address has already been registered");
    }

    let newHash: string | null = null;
    if (password !== undefined) {
      if (ctx.config.updatePasswordRequireReauthentication) {
        if (!session || Date.now() > session.created_at.getTime() + 24 * 3600 * 1000) {
          if (nonce === "") throw badRequest("reauthentication_needed", "Password update requires reauthentication");
          // GoTrue's verifyReauthentication: checked and consumed right away (before the password checks)
          const nonceCheck = await consumeReauthenticationNonce(ctx.db, user.id, nonce, ctx.config.mailerOtpExp);
          if (!nonceCheck.ok) throw unprocessable(nonceCheck.code, nonceCheck.message);
        }
      }
      if (password !== "") {
        if (user.encrypted_password) {
          const isRecovery = (auth.claims.amr ?? []).some((a) => a.method === "recovery");
          if (ctx.config.updatePasswordRequireCurrentPassword && !isRecovery) {
            if (!currentPassword) throw badRequest("current_password_required", "Current password required when setting new password.");
            if (!(await verifyPassword(currentPassword, user.encrypted_password))) {
              throw badRequest("current_password_invalid", "Current password required when setting new password.");
            }
          }
          if (await verifyPassword(password, user.encrypted_password)) {
            throw unprocessable("same_password", "New password should be different from the old password.");
          }
        }
        newHash = await hashPassword(password);
      } else {
        newHash = "";
      }
    }

    await withTransaction(ctx, async (client) => {
      if (newHash !== null) {
        await updatePassword(client, user.id, newHash, session?.id ?? null);
        await audit(client, "user_updated_password", user, ip);
      }
      if (data !== undefined) {
        await client.query(`update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1`, [user.id, JSON.stringify(mergeMeta(user.raw_user_meta_data, data))]);
      }
      if (appData !== undefined) {
        await client.query(`update auth.users set raw_app_meta_data = $2, updated_at = now() where id = $1`, [user.id, JSON.stringify(mergeMeta(user.raw_app_meta_data, appData))]);
      }
      if (emailChanging) {
        let flowStateId: string | null = null;
        if (pkceMethod && codeChallenge) {
          const fs = await createFlowState(client, {
            userId: user.id,
            codeChallenge,
            codeChallengeMethod: pkceMethod,
            authenticationMethod: "email_change",
            providerType: "email_change",
          });
          flowStateId = fs.id;
        }
        const fresh = await getUser(client, user.id);
        await sendEmailChange(ctx, fresh!, email, { db: client, redirectTo: c.req.query("redirect_to") ?? null, flowStateId });
      }
      await audit(client, "user_modified", user, ip);
    });
    const updated = await getUser(ctx.db, user.id);
    return c.json(serializeUser(updated!));
  });
}
