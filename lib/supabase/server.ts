/**
 * Server Supabase client, one per request (never cache it in a module variable). It talks to the upstream project
 * directly and reads/writes the session from the request cookies. Trust comes only from `getClaims()` (JWKS-verified)
 * or `getUser()` — never from `getSession()`, which returns whatever the cookie says.
 */
import { createServerClient } from "@supabase/ssr";
import type { SupabaseClient } from "@supabase/supabase-js";
import { cookies } from "next/headers";
import { serverEnv } from "@/lib/env";
import { AUTH_COOKIE_NAME } from "@/lib/supabase/cookie";

export type ResponseHeaderSink = (headers: Record<string, string>) => void;

/**
 * @param onHeaders receives the cache headers (`Cache-Control: private, no-store…`) that @supabase/ssr sends with
 *   the first cookie write; route handlers pass a function that copies them onto their Response. Server components
 *   cannot set headers (the middleware refreshes sessions there and applies them).
 */
export async function createClient(onHeaders?: ResponseHeaderSink): Promise<SupabaseClient> {
  const env = serverEnv();
  const cookieStore = await cookies();
  const secure = new URL(env.NEXT_PUBLIC_SITE_URL).protocol === "https:";
  return createServerClient(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, {
    cookieOptions: { name: AUTH_COOKIE_NAME, path: "/", sameSite: "lax", secure, httpOnly: false },
    cookies: {
      getAll() {
        return cookieStore.getAll();
      },
      setAll(cookiesToSet, cacheHeaders) {
        try {
          for (const { name, value, options } of cookiesToSet) cookieStore.set(name, value, options);
        } catch {
          // Called from a Server Component: cookies are read-only there. The middleware refreshes sessions.
        }
        if (onHeaders && Object.keys(cacheHeaders).length > 0) onHeaders(cacheHeaders);
      },
    },
  });
}
