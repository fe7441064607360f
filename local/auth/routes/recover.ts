/**
 * POST /recover — password recovery mail (GoTrue's recover.go). Answers `{}` whether or not the address is
 * registered; a PKCE request (code_challenge) creates a flow state with authentication_method "recovery"
 * and the mailed token gets the `pkce_` prefix. 429 over_email_send_rate_limit within the resend spacing.
 */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optString, readJson } from "../context";
import { badRequest } from "../errors";
import { createFlowState, validatePkceParams } from "../flow-state";
import { sendRecoveryMail } from "../flows/mail";
import { resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import { enforceRateLimit } from "../rate-limit";
import { audit, findUserByEmail, validateEmail } from "../users";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/recover", async (c) => {
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "recover");
    if (!ctx.config.externalEmailEnabled) throw badRequest("email_provider_disabled", "Email logins are disabled");
    const body = await readJson(c, ctx);
    const rawEmail = optString(body, "email") ?? "";
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");
    if (rawEmail === "") throw badRequest("validation_failed", "Password recovery requires an email");
    const email = validateEmail(rawEmail);
    const pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);
    const redirectTo = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));

    const user = await findUserByEmail(ctx.db, email);
    if (!user) return c.json({});
    await withTransaction(ctx, async (db) => {
      if (pkceMethod && codeChallenge) {
        await createFlowState(db, {
          userId: user.id,
          codeChallenge,
          codeChallengeMethod: pkceMethod,
          authenticationMethod: "recovery",
          providerType: "recovery",
        });
      }
      await audit(db, "user_recovery_requested", user, clientIp(c));
      await sendRecoveryMail(ctx, db, user, { flow: pkceMethod ? "pkce" : "implicit", redirectTo });
    });
    return c.json({});
  });
}
