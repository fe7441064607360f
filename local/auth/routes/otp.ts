/**
 * POST /otp — passwordless email sign-in (GoTrue's otp.go + magic_link.go). A confirmed user gets a magic
 * link (+ code); an unknown address (with create_user, the default) is signed up with a random password and
 * gets the signup confirmation mail — or, with autoconfirm on, is confirmed and gets the magic link.
 * PKCE requests create a flow state (magiclink / email/signup). Phone OTP is not supported here. The older
 * POST /magiclink (email only) shares the handler.
 */
import { randomBytes } from "node:crypto";
import type { Context, Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optBool, optObject, optString, readJson } from "../context";
import { badRequest, unprocessable } from "../errors";
import { createFlowState, validatePkceParams } from "../flow-state";
import { sendMagicLinkMail, sendSignupConfirmationMail } from "../flows/mail";
import { resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import { enforceRateLimit } from "../rate-limit";
import { audit, confirmEmail, findUserByEmail, getUser, insertUserWithEmailIdentity, validateEmail } from "../users";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/otp", async (c) => {
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "otp");
    const body = await readJson(c, ctx);
    const rawEmail = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const createUser = optBool(body, "create_user") ?? true;
    const data = optObject(body, "data") ?? {};
    const channel = optString(body, "channel") ?? "";
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");
    if (rawEmail !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided");
    if (rawEmail !== "" && channel !== "") throw badRequest("validation_failed", "Channel should only be specified with Phone OTP");
    const pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);

    if (!createUser && rawEmail !== "") {
      if (!(await findUserByEmail(ctx.db, validateEmail(rawEmail)))) throw unprocessable("otp_disabled", "Signups not allowed for otp");
    }
    if (rawEmail === "") {
      if (phone !== "") throw badRequest("phone_provider_disabled", "Unsupported phone provider");
      throw badRequest("validation_failed", "One of email or phone must be set");
    }
    return magicLink(c, ctx, { email: rawEmail, data, codeChallenge, codeChallengeMethod, pkceMethod });
  });

  // GoTrue still routes the older POST /magiclink (email only) to the same handler, with its own limiter
  app.post("/magiclink", async (c) => {
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "magiclink");
    const body = await readJson(c, ctx);
    const rawEmail = optString(body, "email") ?? "";
    const data = optObject(body, "data") ?? {};
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");
    if (rawEmail === "") throw unprocessable("validation_failed", "Password recovery requires an email");
    const pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);
    return magicLink(c, ctx, { email: rawEmail, data, codeChallenge, codeChallengeMethod, pkceMethod });
  });
}

/** GoTrue's MagicLink: magic link for a confirmed user; signup (+ confirmation, or autoconfirm + magic link) otherwise. */
async function magicLink(
  c: Context,
  ctx: AuthContext,
  p: { email: string; data: Record<string, unknown>; codeChallenge?: string; codeChallengeMethod?: string; pkceMethod: "s256" | "plain" | null },
): Promise<Response> {
  if (!ctx.config.externalEmailEnabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
  const email = validateEmail(p.email);
  const { data, codeChallenge, pkceMethod } = p;
  const redirectTo = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));
  const flow = pkceMethod ? "pkce" : "implicit";
  const ip = clientIp(c);

  await withTransaction(ctx, async (db) => {
    let user = await findUserByEmail(db, email);
    if (!user || !user.email_confirmed_at) {
      if (!user) {
        if (ctx.config.disableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
        const id = await insertUserWithEmailIdentity(db, { email, password: randomBytes(24).toString("base64url"), userMetadata: data });
        user = await getUser(db, id);
      }
      if (!user) throw new Error("user vanished during /otp");
      if (!ctx.config.mailerAutoconfirm) {
        if (pkceMethod && codeChallenge) {
          await createFlowState(db, { userId: user.id, codeChallenge, codeChallengeMethod: pkceMethod, authenticationMethod: "email/signup" });
        }
        await audit(db, "user_confirmation_requested", user, ip, { provider: "email" });
        await sendSignupConfirmationMail(ctx, db, user, { flow, redirectTo });
        return;
      }
      await audit(db, "user_signedup", user, ip, { provider: "email" });
      await confirmEmail(db, user.id);
    }
    if (pkceMethod && codeChallenge) {
      await createFlowState(db, { userId: user.id, codeChallenge, codeChallengeMethod: pkceMethod, authenticationMethod: "magiclink", providerType: "magiclink" });
    }
    await audit(db, "user_recovery_requested", user, ip);
    await sendMagicLinkMail(ctx, db, user, { flow, redirectTo });
  });
  return c.json({});
}
