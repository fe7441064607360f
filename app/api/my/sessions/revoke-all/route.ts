/** POST /api/my/sessions/revoke-all — ends every session of the caller, including this one (sign out everywhere). */
import { withErrorResponses } from "@/lib/api/errors";
import { revokeSessionsRoute } from "@/lib/auth/revoke-route";

export const dynamic = "force-dynamic";

export const POST = withErrorResponses((request: Request) => revokeSessionsRoute(request, "all"));
