/**
 * GET /verify (email links: 303 to redirect_to with #access_token…, ?code=… for PKCE, or #error=…) and
 * POST /verify ({type, token_hash} or {type, token, email} → session JSON), as GoTrue's verify.go.
 * Both consume the token; the GET form exists because GoTrue's default mail link points at it.
 */
import type { Context, Hono } from "hono";
import type { PoolClient } from "pg";
import type { AuthContext } from "../context";
import { clientIp, optString, readJson, userAgent } from "../context";
import { HttpError, badRequest, forbidden, unprocessable } from "../errors";
import { issueAuthCode } from "../flow-state";
import { resolveRedirect } from "../flows/redirect";
import { withTransaction } from "../tx";
import {
  OTP_INVALID,
  SINGLE_CONFIRMATION_ACCEPTED,
  applyVerification,
  authenticationMethodFor,
  findUserByEmailAndOtp,
  findUserByTokenHash,
} from "../flows/verify";
import { PKCE_PREFIX } from "../one-time-tokens";
import { enforceRateLimit } from "../rate-limit";
import { issueSession, type SessionJson } from "../sessions";
import { audit, validateEmail } from "../users";

const OAUTH_ERROR: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized_client",
  403: "access_denied",
  500: "server_error",
  503: "temporarily_unavailable",
};

/** GoTrue's prepErrorRedirectURL: error in the fragment (and, for PKCE, the query too), plus `sb`. */
export function errorRedirectUrl(redirectTo: string, err: HttpError, pkce: boolean): string {
  const u = new URL(redirectTo);
  const frag = new URLSearchParams();
  const oauth = OAUTH_ERROR[err.status];
  if (oauth) frag.set("error", oauth);
  frag.set("error_code", err.code);
  frag.set("error_description", err.message);
  if (pkce) {
    if (oauth) u.searchParams.set("error", oauth);
    u.searchParams.set("error_code", err.code);
    u.searchParams.set("error_description", err.message);
  }
  frag.set("sb", "");
  u.hash = frag.toString();
  return u.toString();
}

/** GoTrue's AccessTokenResponse.AsRedirectURL: the session in the fragment, keys sorted as url.Values encodes. */
export function sessionRedirectUrl(redirectTo: string, s: SessionJson, type: string): string {
  const p = new URLSearchParams();
  p.set("access_token", s.access_token);
  p.set("expires_at", String(s.expires_at));
  p.set("expires_in", String(s.expires_in));
  p.set("refresh_token", s.refresh_token);
  p.set("sb", "");
  p.set("token_type", s.token_type);
  p.set("type", type);
  return `${redirectTo}#${p.toString()}`;
}

function messageRedirectUrl(redirectTo: string, message: string, pkce: boolean): string {
  const u = new URL(redirectTo);
  if (pkce) u.searchParams.set("message", message);
  const frag = new URLSearchParams({ message, sb: "" });
  u.hash = frag.toString();
  return u.toString();
}

function redirect303(c: Context, location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store" } });
}

function meta(c: Context) {
  return { ip: clientIp(c), userAgent: userAgent(c) };
}

export function register(app: Hono, ctx: AuthContext): void {
  const limitHeader = ctx.config.rateLimit.header;

  app.get("/verify", async (c) => {
    // Hono routes HEAD to GET handlers; GoTrue's router does not (405), and a HEAD from a link scanner must not consume the token
    if (c.req.method === "HEAD") return new Response(null, { status: 405, headers: { Allow: "GET, POST" } });
    enforceRateLimit(c, ctx.limiters, limitHeader, "verify");
    const token = c.req.query("token") ?? "";
    const type = c.req.query("type") ?? "";
    const redirectTo = resolveRedirect(ctx.config, c.req.header("redirect_to") ?? c.req.query("redirect_to"), c.req.header("referer"));
    if (type === "") throw badRequest("validation_failed", "Verify requires a verification type");
    if (token === "") throw badRequest("validation_failed", "Verify requires a token or a token hash");
    const pkce = token.startsWith(PKCE_PREFIX);
    const { ip, userAgent: ua } = meta(c);

    try {
      const outcome = await withTransaction(ctx, async (db) => {
        const found = await findUserByTokenHash(ctx, db, type, token);
        const authMethod = pkce ? authenticationMethodFor(found.type) : null;
        const result = await applyVerification(ctx, db, found.user, found.type, { tokenHash: token });
        if (result === "single") return { kind: "single" as const };
        await audit(db, found.type === "signup" || found.type === "invite" ? "user_signedup" : "login", { id: found.user.id, email: found.user.email }, ip, {
          provider: "email",
        });
        if (authMethod) {
          const code = await issueAuthCode(db, found.user.id, authMethod).catch((err: unknown) => {
            if (err instanceof HttpError) throw badRequest("flow_state_not_found", `No associated flow state found. ${err.message}`);
            throw err;
          });
          return { kind: "code" as const, code };
        }
        const session = await issueSession(ctx, { id: found.user.id }, { amr: "otp", aal: "aal1", userAgent: ua, ip, db });
        return { kind: "session" as const, session, type: found.type };
      });
      if (outcome.kind === "single") return redirect303(c, messageRedirectUrl(redirectTo, SINGLE_CONFIRMATION_ACCEPTED, pkce));
      if (outcome.kind === "code") {
        const u = new URL(redirectTo);
        u.searchParams.set("code", outcome.code);
        return redirect303(c, u.toString());
      }
      return redirect303(c, sessionRedirectUrl(redirectTo, outcome.session, outcome.type));
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return redirect303(c, errorRedirectUrl(redirectTo, err, pkce));
      throw err;
    }
  });

  app.post("/verify", async (c) => {
    enforceRateLimit(c, ctx.limiters, limitHeader, "verify");
    const body = await readJson(c, ctx);
    const type = optString(body, "type") ?? "";
    const token = optString(body, "token") ?? "";
    const tokenHashParam = optString(body, "token_hash") ?? "";
    let email = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const bodyRedirect = optString(body, "redirect_to") ?? "";
    if (type === "") throw badRequest("validation_failed", "Verify requires a verification type");
    if ((token === "" && tokenHashParam === "") || (token !== "" && tokenHashParam !== "")) {
      throw badRequest("validation_failed", "Verify requires either a token or a token hash");
    }
    if (token !== "") {
      if (phone !== "" && email === "") {
        // phone OTPs are not supported by this server: no phone user can hold a valid code
        throw forbidden("otp_expired", OTP_INVALID);
      }
      if (!(phone === "" && email !== "")) {
        throw badRequest("validation_failed", "Only an email address or phone number should be provided on verify");
      }
      try {
        email = validateEmail(email);
      } catch {
        throw unprocessable("validation_failed", "Invalid email format");
      }
    } else if (email !== "" || phone !== "" || bodyRedirect !== "") {
      throw badRequest("validation_failed", "Only the token_hash and type should be provided");
    }
    const { ip, userAgent: ua } = meta(c);

    const outcome = await withTransaction(ctx, async (db: PoolClient) => {
      let user;
      let resolved: string;
      let matchedHash: string;
      if (tokenHashParam !== "") {
        const found = await findUserByTokenHash(ctx, db, type, tokenHashParam);
        user = found.user;
        resolved = found.type;
        matchedHash = tokenHashParam;
      } else {
        const found = await findUserByEmailAndOtp(ctx, db, type, email, token);
        user = found.user;
        resolved = found.type;
        matchedHash = found.tokenHash;
      }
      const result = await applyVerification(ctx, db, user, resolved, { token, tokenHash: matchedHash });
      if (result === "single") return null;
      await audit(db, resolved === "signup" || resolved === "invite" ? "user_signedup" : "login", { id: user.id, email: user.email }, ip, { provider: "email" });
      return issueSession(ctx, { id: user.id }, { amr: "otp", aal: "aal1", userAgent: ua, ip, db });
    });
    if (outcome === null) return c.json({ msg: SINGLE_CONFIRMATION_ACCEPTED, code: "200" });
    return c.json(outcome);
  });
}
