/**
 * POST /forgot-password/request {email} → uniform reply (see ../request-reset.ts). The reset link goes through
 * /auth/confirm (token_hash link style) and continues to /reset-password.
 */
import { NextResponse, after } from "next/server";
import { isSameOriginPost } from "@/app/auth/confirm/verify/same-origin";
import { serverEnv } from "@/lib/env";
import { createRateLimiter, type RateLimiter } from "@/lib/security/rate-limit";
import { clientIp, ipKey } from "@/lib/security/client-ip";
import { redis } from "@/lib/redis";
import { createClient } from "@/lib/supabase/server";
import { requestPasswordReset } from "../request-reset";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" } as const;
let limiter: RateLimiter | undefined;

export async function POST(request: Request): Promise<Response> {
  const startedAt = Date.now();
  const env = serverEnv();
  if (!isSameOriginPost(request, [env.NEXT_PUBLIC_SITE_URL, ...env.ALLOWED_ORIGINS])) {
    return NextResponse.json({ error: "forbidden", message: "Cross-site request refused." }, { status: 403, headers: NO_STORE });
  }
  if (Number(request.headers.get("content-length") ?? "0") > 2048) {
    return NextResponse.json({ error: "payload_too_large", message: "Request body too large." }, { status: 413, headers: NO_STORE });
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return NextResponse.json({ error: "invalid_request", message: "Send a JSON body with an email." }, { status: 400, headers: NO_STORE });
  }
  const email = typeof body === "object" && body !== null ? (body as { email?: unknown }).email : undefined;
  const ip = clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS });
  const cacheHeaders: Record<string, string> = {};

  const outcome = await requestPasswordReset(email, ip, {
    startedAt,
    rateLimit: async (address, clientAddress) => {
      limiter ??= createRateLimiter({ redis, prefix: "rl" });
      // Same policies (and therefore the same counters) as the gateway's /recover limits.
      const [byIp, byEmail] = await Promise.all([limiter.check("recover_ip", ipKey(clientAddress)), limiter.check("recover_email", address)]);
      const refused = [byIp, byEmail].filter((r) => !r.success);
      return refused.length ? Math.max(...refused.map((r) => r.retryAfterSeconds)) : null;
    },
    sendReset: async (address) => {
      const supabase = await createClient((h) => Object.assign(cacheHeaders, h));
      const { error } = await supabase.auth.resetPasswordForEmail(address, { redirectTo: `${env.NEXT_PUBLIC_SITE_URL}/reset-password` });
      if (error) throw error;
    },
    background: (work) => after(work),
  });

  const headers: Record<string, string> = { ...cacheHeaders, ...NO_STORE };
  if (outcome.status === 429) headers["Retry-After"] = String(outcome.retryAfterSeconds);
  return NextResponse.json(outcome.body, { status: outcome.status, headers });
}
