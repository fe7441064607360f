"use client";

import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";
import { createClient } from "@/lib/supabase/browser";

/** Error text is generic on purpose: it must not reveal whether an account exists. */
export const LOGIN_ERRORS = {
  invalid: "Email or password is incorrect.",
  limited: "Too many sign-in attempts. Please wait a few minutes and try again.",
  unavailable: "Sign-in is temporarily unavailable. Please try again shortly.",
} as const;

function messageFor(status: number | undefined, code: string | undefined): string {
  if (status === 429 || code === "over_request_rate_limit" || code === "too_many_requests") return LOGIN_ERRORS.limited;
  if (status === undefined || status === 0 || status >= 500) return LOGIN_ERRORS.unavailable;
  return LOGIN_ERRORS.invalid;
}

/** `next` must already be a safe same-origin path (the page passes it through lib/safe-redirect). */
export function LoginForm({ next }: { next: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // Marks the form as interactive (tests wait for it; before hydration a submit would be a plain POST).
  useEffect(() => formRef.current?.setAttribute("data-hydrated", "true"), []);

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
      const { error: signInError } = await createClient().auth.signInWithPassword({ email, password });
      if (signInError) {
        setError(messageFor(signInError.status, signInError.code));
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
