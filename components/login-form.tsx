"use client";

import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";
import { MfaChallenge } from "@/app/login/_components/mfa-challenge";
import { retryAfterText } from "@/app/login/_components/retry-after";
import { createClient } from "@/lib/supabase/browser";

/** Error text is generic on purpose: it must not reveal whether an account exists. */
export const LOGIN_ERRORS = {
  invalid: "Email or password is incorrect.",
  limited: "Too many sign-in attempts. Please wait a few minutes and try again.",
  unavailable: "Sign-in is temporarily unavailable. Please try again shortly.",
} as const;

function messageFor(status: number | undefined, code: string | undefined, message?: string): string {
  if (status === 429 || code === "over_request_rate_limit" || code === "too_many_requests") {
    return `Too many sign-in attempts. ${retryAfterText(message)}`;
  }
  if (status === undefined || status === 0 || status >= 500) return LOGIN_ERRORS.unavailable;
  return LOGIN_ERRORS.invalid;
}

/** `next` must already be a safe same-origin path (the page passes it through lib/safe-redirect). */
export function LoginForm({ next }: { next: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [needsMfa, setNeedsMfa] = useState(false);

  // Marks the form as interactive (tests wait for it; before hydration a submit would be a plain POST).
  useEffect(() => formRef.current?.setAttribute("data-hydrated", "true"), []);

  // Arriving with ?mfa=1 (an aal1 session sent back by /account): go straight to the code step.
  useEffect(() => {
    if (new URLSearchParams(window.location.search).get("mfa") !== "1") return;
    void createClient()
      .auth.mfa.getAuthenticatorAssuranceLevel()
      .then(({ data }) => {
        if (data && data.nextLevel === "aal2" && data.currentLevel !== "aal2") setNeedsMfa(true);
      });
  }, []);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!email || !password) {
      setError("Enter your email and password.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const supabase = createClient();
      const { error: signInError } = await supabase.auth.signInWithPassword({ email, password });
      if (signInError) {
        setError(messageFor(signInError.status, signInError.code, signInError.message));
        setPending(false);
        return;
      }
      // A verified TOTP factor means this session must step up to aal2 before it is let in.
      const { data: aal } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
      if (aal && aal.nextLevel === "aal2" && aal.currentLevel !== "aal2") {
        setNeedsMfa(true);
        setPending(false);
        return;
      }
      // Full navigation so the server renders with the new session cookies.
      window.location.assign(next);
    } catch {
      setError(LOGIN_ERRORS.unavailable);
      setPending(false);
    }
  }

  if (needsMfa) {
    return <MfaChallenge idPrefix="login-mfa" intro="Your account uses two-step verification. Enter the 6-digit code from your authenticator app." onVerified={() => window.location.assign(next)} />;
  }

  return (
    // method="post": if scripts do not run, the browser must never put the password into a URL.
    <form method="post" onSubmit={onSubmit} noValidate aria-describedby="login-error" ref={formRef}>
      <Alert tone="error" id="login-error">
        {error}
      </Alert>
      <FormField label="Email" name="email" type="email" autoComplete="username" inputMode="email" required />
      <FormField label="Password" name="password" type="password" autoComplete="current-password" required />
      <SubmitButton pending={pending} pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}
