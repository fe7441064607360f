/**
 * POST /auth/confirm/verify — the click on the /auth/confirm interstitial. Verifies `token_hash` + `type` server-side
 * with the server Supabase client (verifyOtp sets the session cookies), then 303s to the journey's page. GET/HEAD are
 * not handled here (405): only the person's POST consumes a one-time token. The token is never logged.
 */
import { NextResponse } from "next/server";
import { auditEvent } from "@/lib/audit";
import { revocationStore } from "@/lib/auth/context";
import { revokeOtherSessions } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { clientIp } from "@/lib/security/client-ip";
import { checkRateLimit } from "@/lib/security/rate-limit";
import { createClient } from "@/lib/supabase/server";
import { extractAndValidateToken } from "@/lib/tokenSecurity";
import { confirmDestination, isCompromisedReport } from "../destination";
import { isSameOriginPost } from "./same-origin";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 8 * 1024;
const NO_STORE = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } as const;

function seeOther(path: string, extra: Record<string, string> = {}): NextResponse {
  const res = new NextResponse(null, { status: 303, headers: { Location: path, ...NO_STORE } });
  for (const [k, v] of Object.entries(extra)) res.headers.set(k, v);
  return res;
}

function failure(status: "expired" | "invalid" | "limited" | "error", type: string | null): NextResponse {
  const q = new URLSearchParams({ status });
  if (type) q.set("type", type);
  return seeOther(`/auth/confirm?${q.toString()}`);
}

export async function POST(request: Request): Promise<Response> {
  const env = serverEnv();
  if (!isSameOriginPost(request, [env.NEXT_PUBLIC_SITE_URL, ...env.ALLOWED_ORIGINS])) {
    return NextResponse.json({ error: "forbidden", message: "Cross-site request refused." }, { status: 403, headers: NO_STORE });
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (!Number.isFinite(length) || length > MAX_BODY_BYTES) {
    return NextResponse.json({ error: "payload_too_large", message: "Request body too large." }, { status: 413, headers: NO_STORE });
  }
  let form: URLSearchParams;
  try {
    const text = await request.text();
    if (text.length > MAX_BODY_BYTES) throw new Error("too large");
    form = new URLSearchParams(text);
  } catch {
    return failure("invalid", null);
  }

  const token = extractAndValidateToken(form, "http://x.invalid/", { allowedParams: ["token_hash"], requireType: true });
  if (!token.isValid || !token.token || !token.type) return failure("invalid", token.type);

  // 5 attempts per 15 min per link (token prefix, as the seed's TokenRateLimiter keys it); the per-IP ceiling runs
  // in the middleware. Checked before the one-time token reaches Supabase Auth.
  const limit = await checkRateLimit("invite_processing", `token:${token.token.slice(0, 16)}`);
  if (!limit.success) {
    auditEvent({
      event: "excess_rate_limit_exceeded",
      outcome: "failure",
      ip: clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS }),
      userAgent: request.headers.get("user-agent"),
      target: "POST /auth/confirm/verify",
      details: { policy: "invite_processing", limit: limit.limit, type: token.type },
    });
    return failure("limited", token.type);
  }

  const destination = confirmDestination(token.type, form.get("next"), env.NEXT_PUBLIC_SITE_URL);
  const cacheHeaders: Record<string, string> = {};
  const supabase = await createClient((h) => Object.assign(cacheHeaders, h));
  const { data, error } = await supabase.auth.verifyOtp({ token_hash: token.token, type: token.type });
  if (error || !data.session) {
    if (error?.code === "over_request_rate_limit" || error?.status === 429) return failure("limited", token.type);
    if (error && error.status !== undefined && error.status >= 500) return failure("error", token.type);
    return failure("expired", token.type);
  }

  if (isCompromisedReport(token.type, destination)) {
    // "This wasn't me": end every pre-existing session of the account (the attacker's) before the person picks a new
    // password — rows deleted AND their access tokens denylisted (lib/auth/sessions). Only the fresh recovery
    // session created just now survives.
    const { data: verified } = await supabase.auth.getClaims();
    const sessionId = typeof verified?.claims?.session_id === "string" ? verified.claims.session_id : "";
    const userId = data.user?.id ?? data.session.user.id;
    let revoked = 0;
    try {
      revoked = (await revokeOtherSessions(db(), revocationStore(), userId, sessionId)).length;
    } catch {
      await supabase.auth.signOut({ scope: "others" }).catch(() => undefined);
    }
    auditEvent({
      event: "authn_token_revoked",
      outcome: "success",
      actorUserId: userId,
      sessionId: sessionId || null,
      ip: clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS }),
      userAgent: request.headers.get("user-agent"),
      target: `user:${userId}`,
      details: { scope: "others", reason: "reported_not_me", sessions: revoked },
    });
  }
  return seeOther(destination, { ...cacheHeaders, ...NO_STORE });
}
