/** Production wiring of the current-password gate: the app's token verifier and an upstream password check. */
import { tokenVerifier } from "@/lib/auth/context";
import { serverEnv } from "@/lib/env";
import { createCurrentPasswordGate } from "@/lib/password-policy-gateway";

async function passwordMatches(email: string, password: string, ip: string | null): Promise<boolean> {
  const env = serverEnv();
  const headers: Record<string, string> = { "content-type": "application/json", apikey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY };
  if (ip) headers["sb-forwarded-for"] = ip;
  const res = await fetch(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/token?grant_type=password`, {
    method: "POST",
    headers,
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) return false;
  const session = (await res.json().catch(() => null)) as { access_token?: string } | null;
  // End the throwaway session at once (its refresh token dies with it).
  if (session?.access_token) {
    await fetch(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/logout?scope=local`, {
      method: "POST",
      headers: { apikey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, authorization: `Bearer ${session.access_token}` },
      signal: AbortSignal.timeout(5_000),
    }).catch(() => undefined);
  }
  return true;
}

export const currentPasswordGate = createCurrentPasswordGate({ verify: (token) => tokenVerifier()(token), passwordMatches });
