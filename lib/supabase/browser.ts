"use client";
/**
 * Browser Supabase client. Its Supabase URL is the app's OWN origin: every auth call goes through the auth gateway
 * route (`/auth/v1/*`), where rate limits, failure tracking and audit are applied before the upstream sees it.
 * Create it inside event handlers/effects (it needs `window`); @supabase/ssr returns a singleton in the browser.
 */
import { createBrowserClient } from "@supabase/ssr";
import type { SupabaseClient } from "@supabase/supabase-js";
import { publicEnv } from "@/lib/env-public";
import { AUTH_COOKIE_NAME } from "@/lib/supabase/cookie";

export function createClient(): SupabaseClient {
  if (typeof window === "undefined") throw new Error("lib/supabase/browser createClient() runs only in the browser");
  const { NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY } = publicEnv();
  return createBrowserClient(window.location.origin, NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, {
    cookieOptions: {
      name: AUTH_COOKIE_NAME,
      path: "/",
      sameSite: "lax",
      secure: window.location.protocol === "https:",
    },
  });
}
