/**
 * GET /reauthenticate — mails a 6-digit nonce to the signed-in user (GoTrue's reauthenticate.go). PUT /user
 * accepts it as `nonce` (one-time-tokens.ts consumeReauthenticationNonce).
 */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, requireAuth } from "../context";
import { badRequest, unprocessable } from "../errors";
import { sendReauthenticationMail } from "../flows/mail";
import { withTransaction } from "../tx";
import { audit } from "../users";

export function register(app: Hono, ctx: AuthContext): void {
  app.get("/reauthenticate", async (c) => {
    const { user } = await requireAuth(c, ctx);
    if (!user.email && !user.phone) {
      throw badRequest("validation_failed", "Reauthentication requires the user to have an email or a phone number");
    }
    if (!user.email) throw unprocessable("phone_not_confirmed", "Please verify your phone first.");
    if (!user.email_confirmed_at) throw unprocessable("email_not_confirmed", "Please verify your email first.");
    await withTransaction(ctx, async (db) => {
      await audit(db, "user_reauthenticate_requested", user, clientIp(c));
      await sendReauthenticationMail(ctx, db, user);
    });
    return c.json({});
  });
}
