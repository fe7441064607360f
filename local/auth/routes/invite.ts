/**
 * POST /invite (admin) — create (or re-invite) an unconfirmed user and mail the invitation (GoTrue's
 * invite.go). 422 email_exists for an address that is already confirmed; an unconfirmed invited user gets a
 * fresh invite. Answers with the User (invited_at set).
 */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optObject, optString, readJson, requireAdmin } from "../context";
import { unprocessable } from "../errors";
import { sendInviteMail } from "../flows/mail";
import { resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import { audit, findUserByEmail, getUser, insertUserWithEmailIdentity, serializeUser, validateEmail } from "../users";

export const DUPLICATE_EMAIL_MSG = "A user with this email address has already been registered";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/invite", async (c) => {
    const admin = await requireAdmin(c, ctx);
    const body = await readJson(c, ctx);
    const email = validateEmail(optString(body, "email"));
    const data = optObject(body, "data");
    const redirectTo = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));

    const userId = await withTransaction(ctx, async (db) => {
      let user = await findUserByEmail(db, email);
      if (user?.email_confirmed_at) throw unprocessable("email_exists", DUPLICATE_EMAIL_MSG);
      if (!user) {
        const id = await insertUserWithEmailIdentity(db, { email, password: null, userMetadata: data ?? {} });
        user = await getUser(db, id);
        if (!user) throw new Error("invited user vanished");
      }
      await audit(db, "user_invited", { id: admin.sub ?? "", email: null }, clientIp(c), { user_id: user.id, user_email: user.email }, "team");
      await sendInviteMail(ctx, db, user, { redirectTo });
      return user.id;
    });
    const user = await getUser(ctx.db, userId);
    return c.json(serializeUser(user!));
  });
}
