/**
 * POST /reset-password/notify — after a password change (reset or /account), mail the account owner a
 * "password changed" notice with a "this wasn't me" link (lib/mail/password-changed). Only for the signed-in user,
 * only right after their password really changed (user.updated_at within 5 minutes), at most 3 per 15 minutes per
 * user: the endpoint cannot be used to spam someone. Audited as authn_password_change.
 */
import { NextResponse } from "next/server";
import { isSameOriginPost } from "@/app/auth/confirm/verify/same-origin";
import { auditEvent } from "@/lib/audit";
import { serverEnv } from "@/lib/env";
import { compromisedLink, sendPasswordChanged } from "@/lib/mail/password-changed";
import { clientIp } from "@/lib/security/client-ip";
import { createAdminClient } from "@/lib/supabase/admin";
import { createClient } from "@/lib/supabase/server";
import { TokenRateLimiter } from "@/lib/tokenSecurity";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" } as const;
const RECENT_CHANGE_MS = 5 * 60 * 1000;
const perUser = new TokenRateLimiter({ maxAttempts: 3, windowMs: 15 * 60 * 1000, maxEntries: 10_000 });

export async function POST(request: Request): Promise<Response> {
  const env = serverEnv();
  if (!isSameOriginPost(request, [env.NEXT_PUBLIC_SITE_URL, ...env.ALLOWED_ORIGINS])) {
    return NextResponse.json({ error: "forbidden", message: "Cross-site request refused." }, { status: 403, headers: NO_STORE });
  }
  const supabase = await createClient();
  const { data, error } = await supabase.auth.getUser();
  const user = data?.user;
  if (error || !user?.email) return NextResponse.json({ error: "unauthorized", message: "Sign in first." }, { status: 401, headers: NO_STORE });

  const updatedAt = Date.parse(user.updated_at ?? "");
  if (!Number.isFinite(updatedAt) || Date.now() - updatedAt > RECENT_CHANGE_MS) {
    return NextResponse.json({ error: "no_recent_change", message: "No recent password change." }, { status: 409, headers: NO_STORE });
  }
  if (!perUser.isAllowed(user.id)) {
    return NextResponse.json({ error: "rate_limited", message: "Too many requests." }, { status: 429, headers: { ...NO_STORE, "Retry-After": String(Math.ceil(perUser.retryAfterMs(user.id) / 1000)) } });
  }

  const { data: claims } = await supabase.auth.getClaims();
  auditEvent({
    event: "authn_password_change",
    outcome: "success",
    actorUserId: user.id,
    sessionId: typeof claims?.claims?.session_id === "string" ? claims.claims.session_id : null,
    ip: clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS }),
    userAgent: request.headers.get("user-agent"),
    target: `user:${user.id}`,
  });

  if (!env.SMTP_URL) return NextResponse.json({ ok: true, mailed: false }, { headers: NO_STORE });
  try {
    const link = await createAdminClient().auth.admin.generateLink({ type: "recovery", email: user.email });
    const hashed = link.data?.properties?.hashed_token;
    if (link.error || !hashed) throw new Error("generate_link failed");
    await sendPasswordChanged(
      { to: user.email, when: new Date(), compromisedLink: compromisedLink(env.NEXT_PUBLIC_SITE_URL, hashed), siteUrl: env.NEXT_PUBLIC_SITE_URL },
      { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    );
    return NextResponse.json({ ok: true, mailed: true }, { headers: NO_STORE });
  } catch {
    return NextResponse.json({ ok: true, mailed: false }, { headers: NO_STORE });
  }
}
