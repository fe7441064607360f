/** DELETE /api/my/sessions/{id} — ends one of the caller's sessions; someone else's (or unknown) → 404. */
import { ApiError, jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditEvent } from "@/lib/audit";
import { requireAuth, revocationStore } from "@/lib/auth/context";
import { assertAllowedOrigin } from "@/lib/auth/origin";
import { revokeSession } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

export const DELETE = withErrorResponses(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const auth = await requireAuth(request, { allowCookie: true, strict: true });
  assertAllowedOrigin(request, serverEnv().ALLOWED_ORIGINS, auth.credential);
  const { id } = await context.params;
  if (!(await revokeSession(db(), revocationStore(), auth.token.sub, id))) throw new ApiError("not_found");
  auditEvent({
    event: "authn_token_revoked",
    outcome: "success",
    actorUserId: auth.token.sub,
    sessionId: auth.token.sessionId,
    ip: auth.ip,
    userAgent: request.headers.get("user-agent"),
    target: `session:${id}`,
    details: { scope: "one" },
  });
  return jsonResponse({ revoked: [id] });
});
