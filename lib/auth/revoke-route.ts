/** Shared body of POST /api/my/sessions/revoke-others and /revoke-all (parse → authorize → act → respond). */
import { jsonResponse } from "@/lib/api/errors";
import { auditEvent } from "@/lib/audit";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { requireAuth, revocationStore } from "./context";
import { assertAllowedOrigin } from "./origin";
import { revokeAllSessions, revokeOtherSessions } from "./sessions";

export async function revokeSessionsRoute(request: Request, scope: "others" | "all"): Promise<Response> {
  const auth = await requireAuth(request, { allowCookie: true, strict: true });
  assertAllowedOrigin(request, serverEnv().ALLOWED_ORIGINS, auth.credential);
  const { sub, sessionId } = auth.token;
  const ids =
    scope === "others" ? await revokeOtherSessions(db(), revocationStore(), sub, sessionId) : await revokeAllSessions(db(), revocationStore(), sub);
  auditEvent({
    event: "authn_token_revoked",
    outcome: "success",
    actorUserId: sub,
    sessionId,
    ip: auth.ip,
    userAgent: request.headers.get("user-agent"),
    target: `user:${sub}`,
    details: { scope, sessions: ids.length },
  });
  return jsonResponse({ revoked: ids });
}
