/** GET /api/my/account — bearer token or cookie session → the caller's identity, aal and session id. */
import { jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { requireAuth } from "@/lib/auth/context";

export const dynamic = "force-dynamic";

export const GET = withErrorResponses(async (request: Request) => {
  const { token } = await requireAuth(request, { allowCookie: true });
  return jsonResponse({ user: { id: token.sub, email: token.email }, aal: token.aal, session_id: token.sessionId });
});
