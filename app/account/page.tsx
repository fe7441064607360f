import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { requireClaims } from "@/lib/supabase/session";

export const metadata: Metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

/** Account shell. Sections (profile, password, MFA, sessions, security events) are added by the user-journeys work. */
export default async function AccountPage() {
  const claims = await requireClaims("/account");
  const email = typeof claims.email === "string" ? claims.email : "";
  return (
    <AppShell signedInAs={email}>
      <h1>Your account</h1>
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="details">
          <dt>Email</dt>
          <dd data-testid="account-email">{email}</dd>
        </dl>
      </section>
    </AppShell>
  );
}
