/**
 * Session refresh for the Edge middleware: a per-request @supabase/ssr server client over the request's cookies.
 * `getClaims()` verifies the access token locally against the project's JWKS and, when the token is expired, refreshes
 * the session — the new cookies are written to the request (so the page rendered next sees them) and returned for the
 * response. Trust for authorization still comes from the page/route's own getClaims(); this only keeps sessions alive.
 */
import { createServerClient, type CookieOptions } from "@supabase/ssr";
import type { NextRequest } from "next/server";
import { AUTH_COOKIE_NAME } from "@/lib/supabase/cookie";

export type SessionCookie = { name: string; value: string; options: CookieOptions };

export type SessionRefresh = {
  /** Cookies to set on the response (refreshed or cleared session chunks). */
  cookies: SessionCookie[];
  /** Cache headers @supabase/ssr asks for when it writes cookies (private, no-store). */
  headers: Record<string, string>;
  /** Verified `sub`, or null without a valid session. */
  userId: string | null;
};

export type UpdateSessionOptions = { supabaseUrl: string; publishableKey: string; secure: boolean };

/** True when the request carries (a chunk of) the auth cookie — without one there is nothing to refresh. */
export function hasAuthCookie(request: NextRequest): boolean {
  return request.cookies.getAll().some(({ name }) => name === AUTH_COOKIE_NAME || name.startsWith(`${AUTH_COOKIE_NAME}.`));
}

export async function updateSession(request: NextRequest, options: UpdateSessionOptions): Promise<SessionRefresh> {
  const refresh: SessionRefresh = { cookies: [], headers: {}, userId: null };
  if (!hasAuthCookie(request)) return refresh;
  const supabase = createServerClient(options.supabaseUrl, options.publishableKey, {
    cookieOptions: { name: AUTH_COOKIE_NAME, path: "/", sameSite: "lax", secure: options.secure, httpOnly: false },
    cookies: {
      getAll() {
        return request.cookies.getAll();
      },
      setAll(cookiesToSet, cacheHeaders) {
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value);
        refresh.cookies.push(...cookiesToSet);
        Object.assign(refresh.headers, cacheHeaders);
      },
    },
  });
  try {
    const { data, error } = await supabase.auth.getClaims();
    if (!error && data?.claims && typeof data.claims.sub === "string") refresh.userId = data.claims.sub;
  } catch {
    // An unreachable auth server must not take pages down: the page's own getClaims() decides access.
  }
  return refresh;
}
