/** POST /api/admin/users/{id}/ban {"hours": 1..87600} — bans the user and ends every session now. Admin + aal2 only. */
import { z } from "zod";
import { ApiError, jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditAdmin, requireAdmin } from "@/lib/auth/admin";
import { adminBanUser, parseUserId } from "@/lib/auth/admin-users";

export const dynamic = "force-dynamic";

const Body = z.object({ hours: z.number().int().min(1).max(87_600) }).strict();

export const POST = withErrorResponses(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const auth = await requireAdmin(request, { stateChanging: true });
  const userId = parseUserId((await context.params).id);
  const parsed = Body.safeParse(await request.json().catch(() => null));
  if (!parsed.success) throw new ApiError("bad_request");
  const revoked = await adminBanUser(userId, parsed.data.hours);
  auditAdmin(request, auth, "ban_user", `user:${userId}`, { hours: parsed.data.hours, sessions: revoked.length });
  return jsonResponse({ banned: userId, revoked });
});
