import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { requireClaims } from "@/lib/supabase/session";
import { redirect } from "next/navigation";
import "./_components/journeys.css";
import { formatUtc, loadAccountUser, needsStepUp, requireLiveSession } from "./_components/account-user";
import { MfaSection } from "./_components/mfa-section";
import { PasswordSection } from "./_components/password-section";
import { SecurityEventsSection } from "./_components/security-events";
import { SessionsSection } from "./_components/sessions-section";

export const metadata: Metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

/** Account shell. Sections (profile, password, MFA, sessions, security events) are added by the user-journeys work. */
export default async function AccountPage() {
  const claims = await requireClaims("/account");
  await requireLiveSession("/account");
  const email = typeof claims.email === "string" ? claims.email : "";
  const user = await loadAccountUser();
  // A password-only (aal1) session of an account with two-step verification goes back for its code first.
  if (needsStepUp(claims, user)) redirect("/login?mfa=1&next=%2Faccount");
  return (
    <AppShell signedInAs={email}>
      <h1>Your account</h1>
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="details">
          <dt>Email</dt>
          <dd data-testid="account-email">{email}</dd>
          <dt>Created</dt>
          <dd>{formatUtc(user?.createdAt ?? null)}</dd>
          <dt>Last sign-in</dt>
          <dd>{formatUtc(user?.lastSignInAt ?? null)}</dd>
        </dl>
      </section>
      <PasswordSection email={email} />
      <MfaSection />
      <SessionsSection />
      <SecurityEventsSection userId={claims.sub} />
    </AppShell>
  );
}
