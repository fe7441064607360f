/**
 * GET /api/bench/bare — the benchmark baseline: a route handler that does nothing but answer JSON (same shape and
 * headers as /api/my/account). Exists only when the server was started with BENCH_ROUTES=1 (bench/index.ts);
 * otherwise 404. Read directly from process.env because it is a runtime switch for the bench, not app configuration.
 */
import { jsonResponse } from "@/lib/api/errors";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  if (process.env.BENCH_ROUTES !== "1") return jsonResponse({ error: "not_found" }, { status: 404 });
  return jsonResponse({ user: { id: "00000000-0000-4000-8000-000000000000", email: "bench@example.com" }, aal: "aal1", session_id: "bench" });
}
