/**
 * Server-side facts for /account: the user record (created, last sign-in, verified factors) from `getUser()` — an
 * upstream-verified call — and whether this session must step up to aal2 first (verified factor, aal1 claims).
 */
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requireAuth } from "@/lib/auth/context";
import { serverEnv } from "@/lib/env";
import { createClient } from "@/lib/supabase/server";
import type { VerifiedClaims } from "@/lib/supabase/session";

export type AccountUser = { createdAt: string | null; lastSignInAt: string | null; hasVerifiedFactor: boolean };

export async function loadAccountUser(): Promise<AccountUser | null> {
  const supabase = await createClient();
  const { data, error } = await supabase.auth.getUser().catch(() => ({ data: { user: null }, error: true }));
  const user = data?.user;
  if (error || !user) return null;
  return {
    createdAt: user.created_at ?? null,
    lastSignInAt: user.last_sign_in_at ?? null,
    hasVerifiedFactor: (user.factors ?? []).some((f) => f.status === "verified"),
  };
}

/** True when the account has a verified factor but these (verified) claims are only aal1. */
export function needsStepUp(claims: Pick<VerifiedClaims, "aal">, user: AccountUser | null): boolean {
  return Boolean(user?.hasVerifiedFactor) && claims.aal !== "aal2";
}

export const formatUtc = (iso: string | null) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "—");

/**
 * The page-level twin of the API's check: the cookie session's access token goes through the app's own bearer
 * pipeline (signature, claims, session_id denylist, per-user not-before, strict session existence), so a session
 * revoked from another device stops opening /account on its very next navigation — not only at token expiry.
 */
export async function requireLiveSession(nextPath: string): Promise<void> {
  const h = await headers();
  try {
    await requireAuth(new Request(`${serverEnv().NEXT_PUBLIC_SITE_URL}${nextPath}`, { headers: h }), { allowCookie: true, strict: true });
  } catch {
    redirect(`/login?next=${encodeURIComponent(nextPath)}`);
  }
}
