/**
 * GET /api/admin/blocks — active auth-failure blocks (IP, account, IP+account) with their expiry.
 * DELETE /api/admin/blocks?key=<block key> — lifts one block early. Admin + aal2 only.
 */
import { ApiError, jsonResponse, withErrorResponses } from "@/lib/api/errors";
import { auditAdmin, requireAdmin } from "@/lib/auth/admin";
import { authMonitor } from "@/lib/auth/context";

export const dynamic = "force-dynamic";

export const GET = withErrorResponses(async (request: Request) => {
  await requireAdmin(request, { stateChanging: false });
  const blocks = await authMonitor().listBlocks();
  return jsonResponse({ blocks: blocks.map((b) => ({ key: b.key, until: new Date(b.until).toISOString() })) });
});

export const DELETE = withErrorResponses(async (request: Request) => {
  const auth = await requireAdmin(request, { stateChanging: true });
  const key = new URL(request.url).searchParams.get("key");
  if (!key || key.length > 400 || !/^(ip|acct|ipacct):/.test(key)) throw new ApiError("bad_request");
  const lifted = await authMonitor().liftBlock(key, auth.token.sub);
  auditAdmin(request, auth, "lift_block", key, { lifted });
  if (!lifted) throw new ApiError("not_found");
  return jsonResponse({ lifted: key });
});
