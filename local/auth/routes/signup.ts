/** POST /signup — email + password sign-up (GoTrue's Signup). */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { withTransaction } from "../tx";
import { clientIp, optObject, optString, readJson, userAgent } from "../context";
import { badRequest, unprocessable } from "../errors";
import { createFlowState, validatePkceParams } from "../flow-state";
import { enforceRateLimit } from "../rate-limit";
import { issueSession } from "../sessions";
import {
  audit,
  checkPasswordStrength,
  confirmEmail,
  findUserByEmail,
  getUser,
  insertUserWithEmailIdentity,
  serializeUser,
  validateEmail,
  verifyPassword,
} from "../users";
import { sendConfirmationMail } from "../flows/confirmation";
import { randomUUID } from "node:crypto";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/signup", async (c) => {
    const body = await readJson(c, ctx);
    const email = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const password = optString(body, "password") ?? "";
    const data = optObject(body, "data") ?? {};
    const codeChallenge = optString(body, "code_challenge");
    const codeChallengeMethod = optString(body, "code_challenge_method");
    optString(body, "channel");

    if (email === "" && phone === "") {
      throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
    }
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "signup");
    if (ctx.config.disableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");

    if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
    checkPasswordStrength(ctx.config, password);
    if (email !== "" && phone !== "") {
      throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
    }
    if (phone !== "" && codeChallenge) throw badRequest("validation_failed", "PKCE not supported for phone signups");
    const pkceMethod = validatePkceParams(codeChallengeMethod, codeChallenge);
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    if (!ctx.config.externalEmailEnabled) throw badRequest("email_provider_disabled", "Email signups are disabled");
    const normalized = validateEmail(email);
    const redirectTo = c.req.query("redirect_to") ?? null;
    const ip = clientIp(c);

    const existing = await findUserByEmail(ctx.db, normalized);
    if (existing && existing.email_confirmed_at) {
      await audit(ctx.db, "user_repeated_signup", existing, ip, { provider: "email" });
      if (ctx.config.mailerAutoconfirm) throw unprocessable("user_already_exists", "User already registered");
      // GoTrue answers with an obfuscated user so the response does not reveal that the address is registered
      const now = new Date().toISOString();
      return c.json({
        id: randomUUID(),
        aud: "authenticated",
        role: "",
        email: normalized,
        phone: "",
        confirmation_sent_at: now,
        app_metadata: { provider: "email", providers: ["email"] },
        user_metadata: data,
        identities: [],
        created_at: now,
        updated_at: now,
        is_anonymous: false,
      });
    }

    if (existing && ctx.config.mailerAutoconfirm) {
      // Deviation from GoTrue (which confirms an unconfirmed account without checking the password here):
      // only the holder of the password may turn a pending account into a session.
      if (!(await verifyPassword(password, existing.encrypted_password))) {
        throw unprocessable("user_already_exists", "User already registered");
      }
    }

    const userId = await withTransaction(ctx, async (client) => {
      const newId = existing ? existing.id : await insertUserWithEmailIdentity(client, { email: normalized, password, userMetadata: data });
      if (ctx.config.mailerAutoconfirm) {
        await audit(client, "user_signedup", { id: newId, email: normalized }, ip, { provider: "email" });
        await confirmEmail(client, newId);
      } else {
        await audit(client, "user_confirmation_requested", { id: newId, email: normalized }, ip, { provider: "email" });
        let flowStateId: string | null = null;
        if (pkceMethod && codeChallenge) {
          const fs = await createFlowState(client, {
            userId: newId,
            codeChallenge,
            codeChallengeMethod: pkceMethod,
            authenticationMethod: "email/signup",
          });
          flowStateId = fs.id;
        }
        const user = await getUser(client, newId);
        await sendConfirmationMail(ctx, user!, { redirectTo, flowStateId, db: client });
      }
      return newId;
    });

    if (ctx.config.mailerAutoconfirm) {
      await audit(ctx.db, "login", { id: userId, email: normalized }, ip, { provider: "email" });
      const session = await issueSession(ctx, { id: userId }, { amr: "password", aal: "aal1", userAgent: userAgent(c), ip });
      return c.json(session);
    }
    const user = await getUser(ctx.db, userId);
    return c.json(serializeUser(user!));
  });
}
