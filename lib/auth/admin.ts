/**
 * Admin authorization for /api/admin/** (ASVS v5.0.0-8.2.1, 7.4.5, 7.5.3): a verified, unrevoked, still-existing
 * session (strict mode) whose app_metadata.role is "admin" AND whose token is aal2 (MFA step-up). Anything else →
 * 403, audited as authz_fail. Successful admin actions are audited as authz_admin by the caller.
 */
import { ApiError } from "@/lib/api/errors";
import { auditEvent } from "@/lib/audit";
import { serverEnv } from "@/lib/env";
import type { Authenticated } from "./authenticate";
import { requireAuth } from "./context";
import { assertAllowedOrigin } from "./origin";

export function isAdminToken(auth: Authenticated): boolean {
  return auth.token.appMetadata.role === "admin" && auth.token.aal === "aal2";
}

export async function requireAdmin(request: Request, options: { stateChanging: boolean }): Promise<Authenticated> {
  const auth = await requireAuth(request, { allowCookie: true, strict: true });
  if (options.stateChanging) assertAllowedOrigin(request, serverEnv().ALLOWED_ORIGINS, auth.credential);
  if (!isAdminToken(auth)) {
    auditEvent({
      event: "authz_fail",
      outcome: "failure",
      actorUserId: auth.token.sub,
      sessionId: auth.token.sessionId,
      ip: auth.ip,
      userAgent: request.headers.get("user-agent"),
      target: new URL(request.url).pathname,
      details: { reason: auth.token.appMetadata.role === "admin" ? "aal2_required" : "not_admin" },
    });
    throw new ApiError("forbidden");
  }
  return auth;
}

export function auditAdmin(request: Request, auth: Authenticated, action: string, target: string, details: Record<string, unknown> = {}): void {
  auditEvent({
    event: "authz_admin",
    outcome: "success",
    actorUserId: auth.token.sub,
    sessionId: auth.token.sessionId,
    ip: auth.ip,
    userAgent: request.headers.get("user-agent"),
    target,
    details: { action, ...details },
  });
}
