/** POST /api/my/sessions/revoke-others — ends every session of the caller except the current one. */
import { withErrorResponses } from "@/lib/api/errors";
import { revokeSessionsRoute } from "@/lib/auth/revoke-route";

export const dynamic = "force-dynamic";

export const POST = withErrorResponses((request: Request) => revokeSessionsRoute(request, "others"));
