"use client";
/**
 * New-password form shared by reset, invite and account: ASVS rules from lib/password-policy (checked before
 * submit; the common-password list and the zxcvbn-ts estimator are loaded lazily on first input), a strength
 * meter, a confirmation field, disabled + progress state while submitting, errors in a live region.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import "@/app/account/_components/journeys.css";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";
import {
  PASSWORD_ISSUE_MESSAGES,
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_LENGTH,
  PASSWORD_RECOMMENDED_LENGTH,
  checkPassword,
  estimateStrength,
  type StrengthEstimate,
} from "@/lib/password-policy";

type Props = {
  /** Returns an error message to show, or null on success. */
  onSubmit: (password: string, form: FormData) => Promise<string | null>;
  submitLabel: string;
  pendingLabel?: string;
  email?: string | null;
  /** Extra fields rendered above the submit button (e.g. "sign out other devices"). */
  children?: ReactNode;
  idPrefix: string;
};

export function NewPasswordForm({ onSubmit, submitLabel, pendingLabel = "Saving…", email, children, idPrefix }: Props) {
  const [password, setPassword] = useState("");
  const [strength, setStrength] = useState<StrengthEstimate | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    if (!password) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      estimateStrength(password, email ? [email, email.split("@")[0] ?? ""] : [])
        .then((s) => {
          if (mine === seq.current) setStrength(s);
        })
        .catch(() => undefined);
    }, 150);
    return () => clearTimeout(timer);
  }, [password, email]);

  async function handle(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const form = new FormData(event.currentTarget);
    const pw = String(form.get("password") ?? "");
    const confirm = String(form.get("confirm") ?? "");
    setError(null);
    setFieldError(null);
    setConfirmError(null);
    const check = await checkPassword(pw, { email });
    if (!check.ok) {
      setFieldError(check.issues.map((i) => PASSWORD_ISSUE_MESSAGES[i]).join(" "));
      return;
    }
    if (pw !== confirm) {
      setConfirmError("The two passwords do not match.");
      return;
    }
    setPending(true);
    try {
      const message = await onSubmit(pw, form);
      if (message) setError(message);
    } catch {
      setError("Something went wrong. Please try again.");
    } finally {
      setPending(false);
    }
  }

  const meterId = `${idPrefix}-strength`;
  return (
    <form method="post" onSubmit={handle} noValidate aria-describedby={`${idPrefix}-error`}>
      <Alert tone="error" id={`${idPrefix}-error`}>
        {error}
      </Alert>
      <FormField
        id={`${idPrefix}-password`}
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={PASSWORD_MIN_LENGTH}
        hint={`At least ${PASSWORD_MIN_LENGTH} characters; ${PASSWORD_RECOMMENDED_LENGTH} or more recommended. Up to ${PASSWORD_MAX_BYTES} bytes. A few unrelated words make a strong passphrase.`}
        error={fieldError}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <div className="strength" id={meterId} aria-live="polite">
        {password && strength ? (
          <>
            <meter min={0} max={4} low={2} high={3} optimum={4} value={strength.score} aria-label="Password strength" />{" "}
            <span data-testid="strength-label">Strength: {strength.label}</span>
            {strength.warning ? <span className="hint"> — {strength.warning}</span> : null}
          </>
        ) : null}
      </div>
      <FormField id={`${idPrefix}-confirm`} label="Confirm new password" name="confirm" type="password" autoComplete="new-password" required error={confirmError} />
      {children}
      <SubmitButton pending={pending} pendingLabel={pendingLabel}>
        {submitLabel}
      </SubmitButton>
    </form>
  );
}
