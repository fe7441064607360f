/** DELETE /api/admin/users/{id} — ends every session, then deletes the user. Admin + aal2 only. */
import { jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditAdmin, requireAdmin } from "@/lib/auth/admin";
import { adminDeleteUser, parseUserId } from "@/lib/auth/admin-users";

export const dynamic = "force-dynamic";

export const DELETE = withErrorResponses(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const auth = await requireAdmin(request, { stateChanging: true });
  const userId = parseUserId((await context.params).id);
  const revoked = await adminDeleteUser(userId);
  auditAdmin(request, auth, "delete_user", `user:${userId}`, { sessions: revoked.length });
  return jsonResponse({ deleted: userId, revoked });
});
