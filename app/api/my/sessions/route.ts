/** GET /api/my/sessions — the caller's sessions from auth.sessions (device label, IP, aal, last active, current). */
import { jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { requireAuth } from "@/lib/auth/context";
import { listSessions } from "@/lib/auth/sessions";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

export const GET = withErrorResponses(async (request: Request) => {
  const { token } = await requireAuth(request, { allowCookie: true, strict: true });
  return jsonResponse({ sessions: await listSessions(db(), token.sub, token.sessionId) });
});
