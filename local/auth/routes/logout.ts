/** POST /logout?scope=global|local|others — 204, sessions deleted (refresh tokens and amr claims cascade). */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, requireAuth } from "../context";
import { badRequest } from "../errors";
import { logoutSessions } from "../sessions";
import { audit } from "../users";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/logout", async (c) => {
    const { user, session } = await requireAuth(c, ctx);
    const scope = c.req.query("scope") || "global";
    if (scope !== "global" && scope !== "local" && scope !== "others") {
      throw badRequest("validation_failed", `Unsupported logout scope "${scope}"`);
    }
    // like GoTrue: a token without a session_id claim ends every session of the user, whatever the scope
    await logoutSessions(ctx.db, user.id, session?.id ?? null, scope);
    await audit(ctx.db, "logout", user, clientIp(c), { scope });
    return c.body(null, 204);
  });
}
