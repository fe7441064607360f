/**
 * POST /api/my/sso-cookie — validates the bearer and sets the cross-subdomain SSO cookie (lib/auth/sso-cookie).
 * DELETE /api/my/sso-cookie — clears it with identical attributes. Rate limits (5/min and 10/min per IP) are applied
 * by middleware.ts (policy table in lib/security/rate-limit.ts).
 */
import { ApiError, jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditEvent } from "@/lib/audit";
import { requireAuth, requestIp } from "@/lib/auth/context";
import { assertAllowedOrigin } from "@/lib/auth/origin";
import { clearSsoCookie, ssoCookie, validateSsoCookieConfig } from "@/lib/auth/sso-cookie";
import { serverEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

function cookieConfig() {
  const env = serverEnv();
  return validateSsoCookieConfig({ name: env.SSO_COOKIE_NAME, domain: env.SSO_COOKIE_DOMAIN });
}

export const POST = withErrorResponses(async (request: Request) => {
  assertAllowedOrigin(request, serverEnv().ALLOWED_ORIGINS, "bearer");
  const { token, accessToken } = await requireAuth(request);
  const cookie = ssoCookie(cookieConfig(), accessToken, token.exp);
  if (!cookie) throw new ApiError("bad_request");
  auditEvent({
    event: "authn_token_created",
    outcome: "success",
    actorUserId: token.sub,
    sessionId: token.sessionId,
    ip: requestIp(request),
    userAgent: request.headers.get("user-agent"),
    target: "sso_cookie",
  });
  return jsonResponse({ ok: true, expires_at: token.exp }, { headers: { "set-cookie": cookie } });
});

export const DELETE = withErrorResponses(async (request: Request) => {
  assertAllowedOrigin(request, serverEnv().ALLOWED_ORIGINS, "bearer");
  return jsonResponse({ ok: true }, { headers: { "set-cookie": clearSsoCookie(cookieConfig()) } });
});
