/**
 * POST /resend — resend the signup confirmation or the email change mails (GoTrue's resend.go). Answers `{}`
 * for unknown addresses and for accounts with nothing pending. SMS types are accepted by the validator but
 * phone is disabled here.
 */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optString, readJson } from "../context";
import { badRequest } from "../errors";
import { createFlowState, validatePkceParams } from "../flow-state";
import { sendEmailChangeMails, sendSignupConfirmationMail } from "../flows/mail";
import { resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import { enforceRateLimit } from "../rate-limit";
import { audit, findUserByEmail, validateEmail } from "../users";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/resend", async (c) => {
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "resend");
    const body = await readJson(c, ctx);
    const type = optString(body, "type") ?? "";
    const rawEmail = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");

    let pkceMethod: "s256" | "plain" | null = null;
    switch (type) {
      case "signup":
      case "email_change":
        pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);
        break;
      case "sms":
      case "phone_change":
        break;
      default:
        throw badRequest("validation_failed", "Missing one of these types: signup, email_change, sms, phone_change");
    }
    if (rawEmail === "" && type === "signup") throw badRequest("validation_failed", "Type provided requires an email address");
    if (phone === "" && type === "sms") throw badRequest("validation_failed", "Type provided requires a phone number");
    if (rawEmail !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided.");
    if (rawEmail === "" && phone === "") throw badRequest("validation_failed", "Missing email address or phone number");
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone logins are disabled");
    if (!ctx.config.externalEmailEnabled) throw badRequest("email_provider_disabled", "Email logins are disabled");
    const email = validateEmail(rawEmail);
    const redirectTo = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));
    const flow = pkceMethod ? "pkce" : "implicit";

    const user = await findUserByEmail(ctx.db, email);
    if (!user) return c.json({});
    if (type === "signup" && user.email_confirmed_at) return c.json({});
    if (type === "email_change" && !user.email_change) return c.json({});

    await withTransaction(ctx, async (db) => {
      if (type === "signup") {
        await audit(db, "user_confirmation_requested", user, clientIp(c));
        if (pkceMethod && codeChallenge) {
          await createFlowState(db, { userId: user.id, codeChallenge, codeChallengeMethod: pkceMethod, authenticationMethod: "email/signup" });
        }
        await sendSignupConfirmationMail(ctx, db, user, { flow, redirectTo });
      } else {
        if (pkceMethod && codeChallenge) {
          await createFlowState(db, { userId: user.id, codeChallenge, codeChallengeMethod: pkceMethod, authenticationMethod: "email_change" });
        }
        await sendEmailChangeMails(ctx, db, user, user.email_change!, { flow, redirectTo });
      }
    });
    return c.json({});
  });
}
