"use client";
/**
 * Change password (ASVS 6.2.3: current + new). The current password travels as `current_password` (GoTrue verifies
 * it when "require current password" is on); where the project requires reauthentication instead, the person asks
 * for a code by mail (`reauthenticate()`) and the change is retried with that `nonce`.
 */
import { useState } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { NewPasswordForm } from "@/app/reset-password/_components/new-password-form";
import { createClient } from "@/lib/supabase/browser";

export function PasswordSection({ email }: { email: string }) {
  const [needNonce, setNeedNonce] = useState(false);
  const [codeSent, setCodeSent] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [formKey, setFormKey] = useState(0);

  async function sendCode() {
    const { error } = await createClient().auth.reauthenticate();
    setCodeSent(!error);
  }

  async function change(password: string, form: FormData): Promise<string | null> {
    setDone(null);
    const current = String(form.get("current") ?? "");
    const nonce = String(form.get("nonce") ?? "").trim();
    if (!current) return "Enter your current password.";
    const supabase = createClient();
    const { error } = await supabase.auth.updateUser({ password, current_password: current, ...(nonce ? { nonce } : {}) });
    if (error) {
      if (error.code === "reauthentication_needed") {
        setNeedNonce(true);
        return "For your security, confirm this change with a code sent to your email.";
      }
      if (error.code === "reauthentication_not_valid") return "That verification code is not valid or has expired.";
      if (error.code === "current_password_invalid" || error.code === "current_password_mismatch" || error.code === "current_password_required") return "Your current password is not correct.";
      if (error.code === "weak_password") return error.message || "This password is too weak. Choose a longer or less common one.";
      if (error.code === "same_password") return "Your new password must be different from the current one.";
      if (error.code === "insufficient_aal") return "Confirm with your authenticator app first (sign in again).";
      if (error.status === 429) return "Too many attempts. Please wait a few minutes and try again.";
      return "We could not change your password. Please try again.";
    }
    // GoTrue ends the other sessions on a password change; the app's API also denylists their access tokens.
    await fetch("/api/my/sessions/revoke-others", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
    await fetch("/reset-password/notify", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
    setDone("Your password has been changed. Your other sessions were signed out.");
    setNeedNonce(false);
    setCodeSent(false);
    setFormKey((k) => k + 1);
    return null;
  }

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <Alert tone="success">{done}</Alert>
      <NewPasswordForm key={formKey} idPrefix="change" email={email} submitLabel="Change password" pendingLabel="Changing password…" onSubmit={change}>
        <FormField id="change-current" label="Current password" name="current" type="password" autoComplete="current-password" required />
        {needNonce ? (
          <div className="field">
            <button type="button" className="button secondary" onClick={sendCode}>
              {codeSent ? "Send the code again" : "Email me a verification code"}
            </button>
            <span className="hint" role="status">
              {codeSent ? "We sent a code to your email address." : ""}
            </span>
          </div>
        ) : null}
        {needNonce ? <FormField id="change-nonce" label="Verification code" name="nonce" inputMode="numeric" autoComplete="one-time-code" /> : null}
      </NewPasswordForm>
    </section>
  );
}
