/**
 * POST /admin/generate_link — the link a mail would carry, without sending the mail (GoTrue's
 * adminGenerateLink). Answers the flattened User plus action_link, email_otp, hashed_token,
 * verification_type and redirect_to. magiclink for an unknown address becomes a signup (random password);
 * recovery / email_change_* for an unknown address → 404 user_not_found.
 */
import { randomBytes } from "node:crypto";
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optObject, optString, readJson, requireAdmin } from "../context";
import { badRequest, notFound, unprocessable } from "../errors";
import { isRedirectUrlValid, resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import { verifyLink } from "../mailer/links";
import { createOneTimeToken, generateOtp, tokenHash } from "../one-time-tokens";
import { audit, checkPasswordStrength, findUserByEmail, getUser, insertUserWithEmailIdentity, serializeUser, validateEmail } from "../users";
import { DUPLICATE_EMAIL_MSG } from "./invite";

const LINK_TYPES = ["signup", "invite", "magiclink", "recovery", "email_change_current", "email_change_new"] as const;

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/admin/generate_link", async (c) => {
    const admin = await requireAdmin(c, ctx);
    const body = await readJson(c, ctx);
    let type = optString(body, "type") ?? "";
    const email = validateEmail(optString(body, "email"));
    const rawNewEmail = optString(body, "new_email") ?? "";
    let password = optString(body, "password") ?? "";
    const data = optObject(body, "data") ?? {};
    const bodyRedirect = optString(body, "redirect_to") ?? "";
    let referrer = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));
    if (isRedirectUrlValid(ctx.config, bodyRedirect)) referrer = bodyRedirect;
    const ip = clientIp(c);

    const existing = await findUserByEmail(ctx.db, email);
    if (!existing) {
      if (type === "magiclink") {
        type = "signup";
        password = randomBytes(32).toString("base64url");
      } else if (type === "recovery" || type === "email_change_current" || type === "email_change_new") {
        throw notFound("user_not_found", "User with this email not found");
      }
    }
    if (!(LINK_TYPES as readonly string[]).includes(type)) {
      throw badRequest("validation_failed", `Invalid email action link type requested: ${type}`);
    }
    if (type === "signup" && !existing) {
      if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
      checkPasswordStrength(ctx.config, password);
    }

    const otp = generateOtp(ctx.config.mailerOtpLength);
    const hashed = tokenHash(email, otp);

    const result = await withTransaction(ctx, async (db) => {
      let user = existing ? await getUser(db, existing.id) : null;
      let linkToken = hashed;
      let verifyType: string = type;
      switch (type) {
        case "magiclink":
        case "recovery": {
          await audit(db, "user_recovery_requested", user!, ip);
          await db.query("update auth.users set recovery_token = $2, recovery_sent_at = now() where id = $1", [user!.id, hashed]);
          await createOneTimeToken(db, user!.id, user!.email ?? email, hashed, "recovery_token");
          break;
        }
        case "invite":
        case "signup": {
          if (user?.email_confirmed_at) throw unprocessable("email_exists", DUPLICATE_EMAIL_MSG);
          if (!user) {
            const id = await insertUserWithEmailIdentity(db, {
              email,
              password: type === "signup" ? password : null,
              userMetadata: data,
            });
            user = await getUser(db, id);
          } else if (type === "signup") {
            await db.query("update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb where id = $1", [
              user.id,
              JSON.stringify(data),
            ]);
          }
          if (type === "invite") {
            await audit(db, "user_invited", { id: admin.sub ?? "", email: null }, ip, { user_id: user!.id, user_email: user!.email }, "team");
            await db.query("update auth.users set confirmation_token = $2, confirmation_sent_at = now(), invited_at = now() where id = $1", [
              user!.id,
              hashed,
            ]);
          } else {
            await db.query("update auth.users set confirmation_token = $2, confirmation_sent_at = now() where id = $1", [user!.id, hashed]);
          }
          await createOneTimeToken(db, user!.id, user!.email ?? email, hashed, "confirmation_token");
          break;
        }
        default: {
          // email_change_current | email_change_new
          if (!ctx.config.mailerSecureEmailChangeEnabled && type === "email_change_current") {
            throw badRequest("validation_failed", "Enable secure email change to generate link for current email");
          }
          const newEmail = validateEmail(rawNewEmail);
          const dup = await db.query("select 1 from auth.users where lower(email) = lower($1) and id <> $2 and is_sso_user = false", [newEmail, user!.id]);
          if (dup.rowCount) throw unprocessable("email_exists", DUPLICATE_EMAIL_MSG);
          verifyType = "email_change";
          if (type === "email_change_current") {
            await db.query(
              "update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0, email_change_token_current = $3 where id = $1",
              [user!.id, newEmail, hashed],
            );
            await createOneTimeToken(db, user!.id, user!.email ?? email, hashed, "email_change_token_current");
          } else {
            linkToken = tokenHash(newEmail, otp);
            await db.query(
              "update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0, email_change_token_new = $3 where id = $1",
              [user!.id, newEmail, linkToken],
            );
            await createOneTimeToken(db, user!.id, newEmail, linkToken, "email_change_token_new");
          }
        }
      }
      const fresh = await getUser(db, user!.id);
      return { user: fresh!, actionLink: verifyLink(ctx.apiExternalUrl || ctx.issuer, linkToken, verifyType, referrer) };
    });

    return c.json({
      ...serializeUser(result.user),
      action_link: result.actionLink,
      email_otp: otp,
      hashed_token: hashed,
      verification_type: type,
      redirect_to: referrer,
    });
  });
}
