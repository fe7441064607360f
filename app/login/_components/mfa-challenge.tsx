"use client";
/**
 * Second sign-in step (aal1 → aal2): asks for the 6-digit TOTP code and runs challengeAndVerify on the user's
 * verified factor. Used by /login after the password, by /reset-password before a new password can be set
 * (a reset must not bypass MFA), and by /account before unenrolling a factor.
 */
import { useState } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";
import { createClient } from "@/lib/supabase/browser";
import { retryAfterText } from "./retry-after";

export function MfaChallenge({ onVerified, intro, idPrefix = "mfa" }: { onVerified: () => void; intro?: string; idPrefix?: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const code = String(new FormData(event.currentTarget).get("code") ?? "").replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      setError("Enter the 6-digit code from your authenticator app.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const supabase = createClient();
      const { data: factors, error: listError } = await supabase.auth.mfa.listFactors();
      const factor = factors?.totp.find((f) => f.status === "verified");
      if (listError || !factor) {
        setError("Two-step verification is not available right now. Please try again.");
        return;
      }
      const { error: verifyError } = await supabase.auth.mfa.challengeAndVerify({ factorId: factor.id, code });
      if (verifyError) {
        setError(verifyError.status === 429 ? `Too many attempts. ${retryAfterText(verifyError.message)}` : "That code is not valid. Enter the current code from your app.");
        return;
      }
      onVerified();
    } catch {
      setError("Something went wrong. Please try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form method="post" onSubmit={submit} noValidate aria-describedby={`${idPrefix}-error`}>
      <p>{intro ?? "Enter the 6-digit code from your authenticator app."}</p>
      <Alert tone="error" id={`${idPrefix}-error`}>
        {error}
      </Alert>
      <FormField
        id={`${idPrefix}-code`}
        label="Authentication code"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={6}
        required
        autoFocus
      />
      <SubmitButton pending={pending} pendingLabel="Verifying…">
        Verify
      </SubmitButton>
    </form>
  );
}
