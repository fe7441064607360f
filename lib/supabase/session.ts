/**
 * Server-side session checks for pages and route handlers. Trust comes only from `getClaims()`, which verifies the
 * access token's signature against the project's JWKS (asymmetric keys) — never from `getSession()` or a cookie
 * read by hand.
 */
import { redirect } from "next/navigation";
import { createClient } from "@/lib/supabase/server";

export type VerifiedClaims = {
  sub: string;
  email?: string;
  role?: string;
  aal?: string;
  session_id?: string;
  app_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
};

/** The verified JWT claims of the current request's session, or null when there is no valid session. */
export async function getVerifiedClaims(): Promise<VerifiedClaims | null> {
  const supabase = await createClient();
  try {
    const { data, error } = await supabase.auth.getClaims();
    if (error || !data?.claims || typeof data.claims.sub !== "string") return null;
    return data.claims as VerifiedClaims;
  } catch {
    return null;
  }
}

/**
 * Claims of the signed-in user, or a redirect to /login?next=<path>. `nextPath` must be a constant path of the
 * calling page (never request input).
 */
export async function requireClaims(nextPath: string): Promise<VerifiedClaims> {
  const claims = await getVerifiedClaims();
  if (!claims) redirect(`/login?next=${encodeURIComponent(nextPath)}`);
  return claims;
}
