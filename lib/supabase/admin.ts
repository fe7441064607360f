/**
 * Service-role client (SUPABASE_SECRET_KEY): bypasses RLS and can use the Auth admin API. Server only — never import
 * it from a client component. No session is persisted or refreshed: every call is authorised by the secret key.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { serverEnv } from "@/lib/env";

export function createAdminClient(): SupabaseClient {
  if (typeof window !== "undefined") throw new Error("lib/supabase/admin must never run in the browser");
  const env = serverEnv();
  return createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.SUPABASE_SECRET_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}
