/**
 * /reset-password — reached from a recovery link: via /auth/confirm (token_hash; session cookies already set, works in
 * any browser), or GoTrue's /verify redirect (`?code=` PKCE in the same browser, or `#access_token…` implicit). The
 * client component never extracts tokens itself (seed 001): the Supabase client processes the URL and we listen to
 * its auth events. Token-bearing page: no referrer, no caching (dynamic).
 */
import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { ResetPasswordClient } from "./_components/reset-password-client";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  return (
    <AppShell>
      <div className="card narrow">
        <h1>Choose a new password</h1>
        <ResetPasswordClient compromised={params.compromised === "1"} />
      </div>
    </AppShell>
  );
}
