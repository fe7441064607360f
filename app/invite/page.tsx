/**
 * /invite — accepting an invitation. Normal path: the invite mail links to /auth/confirm (scanner-safe), whose POST
 * verifies the token server-side and continues here with `?step=set-password` and a session. Legacy link forms
 * (`?token_hash=`, `?token=&email=`, `?code=`, `#access_token=`) are still handled by the client component through
 * lib/tokenSecurity. Token-bearing page: no referrer, not cached.
 */
import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { InviteClient } from "./_components/invite-client";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Accept invitation", referrer: "no-referrer" };

export default function InvitePage() {
  return (
    <AppShell>
      <div className="card narrow">
        <h1>Accept your invitation</h1>
        <InviteClient />
      </div>
    </AppShell>
  );
}
