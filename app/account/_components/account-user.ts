/**
 * Server-side facts for /account: the user record (created, last sign-in, verified factors) from `getUser()` — an
 * upstream-verified call — and whether this session must step up to aal2 first (verified factor, aal1 claims).
 */
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
