/** POST /api/admin/users/{id}/revoke-sessions — ends every session of a user now. Admin + aal2 only. */
import { jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditAdmin, requireAdmin } from "@/lib/auth/admin";
import { adminRevokeUser, parseUserId } from "@/lib/auth/admin-users";

export const dynamic = "force-dynamic";

export const POST = withErrorResponses(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const auth = await requireAdmin(request, { stateChanging: true });
  const userId = parseUserId((await context.params).id);
  const revoked = await adminRevokeUser(userId);
  auditAdmin(request, auth, "revoke_sessions", `user:${userId}`, { sessions: revoked.length });
  return jsonResponse({ revoked });
});
