/**
 * POST /auth/sign-out — ends the current session (scope "local": this device only), clears the Supabase cookies and
 * everything the browser stored for this origin, and sends the browser to /login with a 303.
 * Only POST: a GET must never change state (and a link could be triggered cross-site).
 */
import { NextResponse } from "next/server";
import { serverEnv } from "@/lib/env";
import { signOutHooks } from "@/lib/auth-gateway/hooks";
import { createClient } from "@/lib/supabase/server";
import { validateSsoCookieConfig } from "@/lib/auth/sso-cookie";

export const dynamic = "force-dynamic";

function sameOrigin(request: Request, allowed: readonly string[]): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) return allowed.includes(origin);
  // No Origin (very old browsers): fall back to Fetch Metadata; refuse when neither says same-origin.
  return request.headers.get("sec-fetch-site") === "same-origin";
}

export async function POST(request: Request): Promise<Response> {
  const env = serverEnv();
  if (!sameOrigin(request, env.ALLOWED_ORIGINS)) {
    return NextResponse.json({ error: "forbidden", message: "Cross-origin sign-out refused" }, { status: 403, headers: { "cache-control": "no-store" } });
  }
  const cacheHeaders: Record<string, string> = {};
  const supabase = await createClient((headers) => Object.assign(cacheHeaders, headers));
  const { data } = await supabase.auth.getClaims().catch(() => ({ data: null }));
  const claims = data?.claims ?? null;
  // Ends the session upstream (revoking its refresh tokens) and clears the auth cookies via setAll.
  await supabase.auth.signOut({ scope: "local" }).catch(() => undefined);
  for (const hook of signOutHooks) {
    try {
      await hook({ request, claims, scope: "local" });
    } catch {
      // Hook owners log their own failures; sign-out itself must always complete.
    }
  }
  const response = NextResponse.redirect(new URL("/login", env.NEXT_PUBLIC_SITE_URL), 303);
  for (const [name, value] of Object.entries(cacheHeaders)) response.headers.set(name, value);
  response.headers.set("cache-control", "no-store");
  response.headers.set("clear-site-data", '"cache", "cookies", "storage"');
  // The cross-subdomain SSO cookie is cleared explicitly with its own attributes (Domain): Clear-Site-Data alone
  // is not honoured by every browser (same effect as DELETE /api/my/sso-cookie).
  // (Set through response.cookies, with Expires as well: Next re-serialises Set-Cookie headers when it merges the
  // cookies() writes of this request, and a raw header's Max-Age=0 did not survive that.)
  try {
    const sso = validateSsoCookieConfig({ name: env.SSO_COOKIE_NAME, domain: env.SSO_COOKIE_DOMAIN });
    response.cookies.set({ name: sso.name, value: "", path: "/", maxAge: 0, expires: new Date(0), httpOnly: true, secure: true, sameSite: "lax", ...(sso.domain ? { domain: sso.domain } : {}) });
  } catch {
    // misconfigured SSO cookie: nothing was ever set with it
  }
  return response;
}
