"use client";
/**
 * Two-step verification (TOTP): enroll (QR code image from the SVG data URL + the secret as text), verify a first
 * code, and remove a factor — removal needs an aal2 session, so an aal1 session steps up first.
 */
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";
import { MfaChallenge } from "@/app/login/_components/mfa-challenge";
import { createClient } from "@/lib/supabase/browser";

type Factor = { id: string; friendly_name?: string; status: string; created_at: string };
type Enrolment = { factorId: string; qr: string; secret: string };

export function MfaSection() {
  const [factors, setFactors] = useState<Factor[] | null>(null);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [stepUpFor, setStepUpFor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const load = useCallback(async () => {
    const { data, error: listError } = await createClient().auth.mfa.listFactors();
    if (listError) setError("Two-step verification settings could not be loaded.");
    else setFactors((data?.all ?? []).filter((f) => f.factor_type === "totp") as Factor[]);
  }, []);

  useEffect(() => {
    void Promise.resolve().then(load);
  }, [load]);

  const verified = factors?.filter((f) => f.status === "verified") ?? [];

  async function startEnrol() {
    setError(null);
    setStatus(null);
    setPending(true);
    const supabase = createClient();
    // A half-finished enrolment from earlier would block a new one with the same name: clear unverified factors.
    for (const f of factors ?? []) if (f.status !== "verified") await supabase.auth.mfa.unenroll({ factorId: f.id }).catch(() => undefined);
    const { data, error: enrolError } = await supabase.auth.mfa.enroll({ factorType: "totp", friendlyName: `Authenticator ${new Date().toISOString().slice(0, 10)}` });
    setPending(false);
    if (enrolError || !data) {
      setError("Could not start the set-up. Please try again.");
      return;
    }
    setEnrolment({ factorId: data.id, qr: data.totp.qr_code, secret: data.totp.secret });
  }

  async function confirmEnrol(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!enrolment || pending) return;
    const code = String(new FormData(event.currentTarget).get("code") ?? "").replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      setError("Enter the 6-digit code shown in your authenticator app.");
      return;
    }
    setPending(true);
    setError(null);
    const { error: verifyError } = await createClient().auth.mfa.challengeAndVerify({ factorId: enrolment.factorId, code });
    setPending(false);
    if (verifyError) {
      setError(verifyError.status === 429 ? "Too many attempts. Please wait a few minutes." : "That code is not valid. Enter the current code from your app.");
      return;
    }
    setEnrolment(null);
    setStatus("Two-step verification is on. You will be asked for a code when you sign in.");
    await load();
  }

  async function remove(factorId: string) {
    setError(null);
    setStatus(null);
    const supabase = createClient();
    const { data: aal } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
    if (aal?.currentLevel !== "aal2") {
      setStepUpFor(factorId);
      return;
    }
    setPending(true);
    const { error: unenrollError } = await supabase.auth.mfa.unenroll({ factorId });
    setPending(false);
    if (unenrollError) {
      setError("Could not turn off two-step verification. Please try again.");
      return;
    }
    // Drop the aal2 claim the session no longer backs.
    await supabase.auth.refreshSession().catch(() => undefined);
    setStatus("Two-step verification is off.");
    await load();
  }

  return (
    <section className="card" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-step verification</h2>
      <Alert tone="error">{error}</Alert>
      <Alert tone="success">{status}</Alert>
      {factors === null && !error ? (
        <p role="status" aria-busy="true">
          Loading…
        </p>
      ) : null}
      {stepUpFor ? (
        <MfaChallenge
          idPrefix="unenroll-mfa"
          intro="To turn off two-step verification, first enter a code from your authenticator app."
          onVerified={() => {
            const id = stepUpFor;
            setStepUpFor(null);
            void remove(id);
          }}
        />
      ) : null}
      {factors && verified.length > 0 && !stepUpFor ? (
        <>
          <p data-testid="mfa-status">Two-step verification is on.</p>
          <ul className="session-list">
            {verified.map((f) => (
              <li key={f.id}>
                <span>{f.friendly_name || "Authenticator app"}</span>
                <button type="button" className="button secondary" disabled={pending} onClick={() => remove(f.id)}>
                  Turn off<span className="visually-hidden"> {f.friendly_name || "authenticator app"}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {factors && verified.length === 0 && !enrolment ? (
        <>
          <p>Protect your account with a code from an authenticator app in addition to your password.</p>
          <button type="button" className="button" onClick={startEnrol} disabled={pending} aria-busy={pending || undefined}>
            Set up authenticator app
          </button>
        </>
      ) : null}
      {enrolment ? (
        <form method="post" onSubmit={confirmEnrol} noValidate>
          <p>Scan this QR code with your authenticator app, or enter the key below. Then type the 6-digit code it shows.</p>
          {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL from the auth server, not an optimisable asset */}
          <img src={enrolment.qr} alt="QR code for your authenticator app" width={200} height={200} className="qr" />
          <p>
            Key: <code data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          <FormField id="enrol-code" label="Code from the app" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} required />
          <SubmitButton pending={pending} pendingLabel="Verifying…">
            Turn on two-step verification
          </SubmitButton>
        </form>
      ) : null}
    </section>
  );
}
