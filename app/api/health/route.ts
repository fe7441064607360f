/** GET /api/health — 200 when PostgreSQL, Redis (Upstash REST) and Supabase Auth answer, 503 otherwise. */
import { NextResponse } from "next/server";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { authProbe, checkHealth } from "@/lib/health";
import { redis } from "@/lib/redis";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const env = serverEnv();
  const report = await checkHealth({
    db: async () => {
      await db().query("select 1");
    },
    redis: async () => {
      if ((await redis().ping()) !== "PONG") throw new Error("unexpected reply");
    },
    auth: authProbe(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY),
  });
  return NextResponse.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
