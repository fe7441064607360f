/**
 * Verification strategies for the legacy invite link forms, in the seed's order: `verifyOtp` type invite, falling
 * back to signup, and `exchangeCodeForSession` for PKCE codes. Returns a Supabase-style `{ error }` so
 * processTokenSecurely can standardise failures; never returns token material.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import type { TokenParam } from "@/lib/tokenSecurity";

type AuthLike = Pick<SupabaseClient["auth"], "verifyOtp" | "exchangeCodeForSession">;
type Outcome = { email: string | null; error: null } | { email: null; error: { code?: string } };

const ok = (email: string | null | undefined): Outcome => ({ email: email ?? null, error: null });

export async function verifyInviteToken(client: { auth: AuthLike }, input: { token: string; email: string | null; param: TokenParam | null }): Promise<Outcome> {
  const { auth } = client;
  let lastError: { code?: string } = { code: "otp_expired" };
  if (input.param === "code") {
    const { data, error } = await auth.exchangeCodeForSession(input.token);
    return error || !data.session ? { email: null, error: { code: error?.code ?? "flow_state_not_found" } } : ok(data.session.user.email);
  }
  for (const type of ["invite", "signup"] as const) {
    // `token` with an email is an OTP (GoTrue's {{ .Token }}); anything else is a token hash.
    const { data, error } =
      input.param === "token" && input.email
        ? await auth.verifyOtp({ email: input.email, token: input.token, type })
        : await auth.verifyOtp({ token_hash: input.token, type });
    if (!error && data.session) return ok(data.session.user.email);
    lastError = { code: error?.code ?? "otp_expired" };
    // Only an "expired or invalid" answer is worth a second type; a rate limit or outage is final.
    if (error && error.code !== "otp_expired") break;
  }
  return { email: null, error: lastError };
}
