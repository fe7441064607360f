/** POST /token — grant_type password | refresh_token | pkce (id_token / web3 answer as disabled). */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import { clientIp, optString, readJson, userAgent } from "../context";
import { HttpError, badRequest, unprocessable } from "../errors";
import { consumeFlowState } from "../flow-state";
import { enforceRateLimit } from "../rate-limit";
import { issueSession, refreshTokenGrant } from "../sessions";
import { audit, checkPasswordStrength, findUserByEmail, getUser, verifyPassword } from "../users";

const INVALID_LOGIN = "Invalid login credentials";

export function register(app: Hono, ctx: AuthContext): void {
  app.post("/token", async (c) => {
    const grantType = c.req.query("grant_type") ?? "";
    enforceRateLimit(c, ctx.limiters, ctx.config.rateLimit.header, "token");
    const ip = clientIp(c);
    const ua = userAgent(c);

    switch (grantType) {
      case "password": {
        const body = await readJson(c, ctx);
        const email = optString(body, "email") ?? "";
        const phone = optString(body, "phone") ?? "";
        const password = optString(body, "password") ?? "";
        if (email !== "" && phone !== "") {
          throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
        }
        if (email !== "") {
          if (!ctx.config.externalEmailEnabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
        } else if (phone !== "") {
          throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
        } else {
          throw badRequest("validation_failed", "missing email or phone");
        }
        const user = await findUserByEmail(ctx.db, email);
        if (!user) {
          await verifyPassword(password, null); // same work as a real check
          throw badRequest("invalid_credentials", INVALID_LOGIN);
        }
        if (user.is_sso_user || !user.encrypted_password) {
          await verifyPassword(password, null);
          throw badRequest("invalid_credentials", INVALID_LOGIN);
        }
        if (user.banned_until && user.banned_until.getTime() > Date.now()) throw badRequest("user_banned", "User is banned");
        const ok = password !== "" && (await verifyPassword(password, user.encrypted_password));
        if (!ok) {
          await audit(ctx.db, "login_failed", user, ip, { provider: "email", reason: "invalid_password" });
          throw badRequest("invalid_credentials", INVALID_LOGIN);
        }
        if (!user.email_confirmed_at) throw badRequest("email_not_confirmed", "Email not confirmed");
        let weak: { message: string; reasons: string[] } | null = null;
        try {
          checkPasswordStrength(ctx.config, password);
        } catch (err) {
          if (err instanceof HttpError && err.code === "weak_password") {
            weak = { message: err.message, reasons: (err.extra.weak_password as { reasons: string[] }).reasons };
          }
        }
        await audit(ctx.db, "login", user, ip, { provider: "email" });
        const session = await issueSession(ctx, user, { amr: "password", aal: "aal1", userAgent: ua, ip, weakPassword: weak });
        return c.json(session);
      }

      case "refresh_token": {
        const body = await readJson(c, ctx);
        const token = optString(body, "refresh_token") ?? "";
        if (token === "") {
          // GoTrue answers this one as an OAuth error
          return c.json({ error: "invalid_request", error_description: "refresh_token required" }, 400);
        }
        return c.json(await refreshTokenGrant(ctx, token, { userAgent: ua, ip }));
      }

      case "pkce": {
        const body = await readJson(c, ctx);
        const authCode = optString(body, "auth_code") ?? "";
        const verifier = optString(body, "code_verifier") ?? "";
        if (authCode === "" || verifier === "") {
          throw badRequest("validation_failed", "invalid request: both auth code and code verifier should be non-empty");
        }
        const client = await ctx.db.connect();
        try {
          await client.query("begin");
          const flow = await consumeFlowState(client, authCode, verifier);
          const user = await getUser(client, flow.user_id);
          if (!user) throw new HttpError(404, "user_not_found", "User not found");
          if (user.banned_until && user.banned_until.getTime() > Date.now()) throw badRequest("user_banned", "User is banned");
          const session = await issueSession(ctx, user, {
            amr: flow.authentication_method,
            aal: "aal1",
            userAgent: ua,
            ip,
            db: client,
          });
          await audit(client, "login", user, ip, { provider: flow.provider_type, method: flow.authentication_method });
          await client.query("commit");
          return c.json(session);
        } catch (err) {
          await client.query("rollback").catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      }

      case "id_token": {
        const body = await readJson(c, ctx);
        const provider = optString(body, "provider") ?? "";
        if (!optString(body, "id_token")) return c.json({ error: "invalid request", error_description: "id_token required" }, 400);
        if (!provider && !optString(body, "issuer")) {
          return c.json({ error: "invalid request", error_description: "provider or client_id and issuer required" }, 400);
        }
        throw badRequest("provider_disabled", `Provider (issuer "${provider}") is not enabled`);
      }

      case "web3":
        throw unprocessable("web3_provider_disabled", "Web3 provider is disabled");

      default:
        throw badRequest("invalid_credentials", "unsupported_grant_type");
    }
  });
}
