"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Alert } from "@/components/alert";
import { MfaChallenge } from "@/app/login/_components/mfa-challenge";
import { createClient } from "@/lib/supabase/browser";
import { logTokenSecurityEvent } from "@/lib/tokenSecurity";
import { NewPasswordForm } from "./new-password-form";
import { isRecoverySession } from "./recovery-session";

/** How long to wait for the Supabase client to finish processing the link before saying it did not work. */
export const RECOVERY_TIMEOUT_MS = 10_000;

type Phase = "waiting" | "mfa" | "ready" | "done" | "timeout";

const debug = (...args: unknown[]) => {
  // Development only, and never with tokens: events and flags only.
  if (process.env.NODE_ENV === "development") console.debug("[PASSWORD_RESET]", ...args);
};

export function ResetPasswordClient({ compromised }: { compromised: boolean }) {
  const [phase, setPhase] = useState<Phase>("waiting");
  const [email, setEmail] = useState<string | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clientRef = useRef<SupabaseClient | null>(null);

  useEffect(() => {
    const supabase = createClient();
    clientRef.current = supabase;
    // GoTrue reports a spent/expired /verify link in the fragment; reading the error code is not token handling.
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    if (fragment.get("error_code")) {
      debug("link error in URL", fragment.get("error_code"));
      queueMicrotask(() => {
        setLinkError("This reset link has expired or has already been used.");
        setPhase("timeout");
      });
    }
    let settled = false;
    const accept = async (event: string, accessToken: string | undefined, userEmail: string | undefined) => {
      if (settled) return;
      if (event !== "PASSWORD_RECOVERY" && !isRecoverySession(accessToken)) return;
      settled = true;
      debug("recovery session ready via", event);
      setEmail(userEmail ?? null);
      logTokenSecurityEvent({ operation: "password_reset_verification", success: true, source: "auth_events", hasEmail: Boolean(userEmail), type: "recovery" });
      // ASVS 6.4.3: a reset must not bypass MFA — step up first when the account has a verified factor.
      const { data } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
      setPhase(data && data.nextLevel === "aal2" && data.currentLevel !== "aal2" ? "mfa" : "ready");
    };
    const { data: sub } = supabase.auth.onAuthStateChange((event, session) => {
      debug("auth event", event, Boolean(session));
      if (session && (event === "PASSWORD_RECOVERY" || event === "SIGNED_IN" || event === "INITIAL_SESSION")) {
        // Defer: never call other Supabase methods inside the callback (it holds the client's lock).
        setTimeout(() => void accept(event, session.access_token, session.user.email), 0);
      }
    });
    const timer = setTimeout(() => {
      if (!settled) {
        debug("timed out waiting for a recovery session");
        logTokenSecurityEvent({ operation: "password_reset_verification", success: false, source: "auth_events", hasEmail: false, type: "recovery", errorCode: "link_expired" });
        setPhase((p) => (p === "waiting" ? "timeout" : p));
      }
    }, RECOVERY_TIMEOUT_MS);
    return () => {
      clearTimeout(timer);
      sub.subscription.unsubscribe();
    };
  }, []);

  async function updatePassword(password: string, form: FormData): Promise<string | null> {
    const supabase = clientRef.current ?? createClient();
    const { error } = await supabase.auth.updateUser({ password });
    if (error) {
      debug("updateUser failed", error.code);
      if (error.code === "same_password") return "Your new password must be different from the old one.";
      if (error.code === "weak_password") return error.message || "This password is too weak. Choose a longer or less common one.";
      if (error.status === 429) return "Too many attempts. Please wait a few minutes and try again.";
      if (error.code === "insufficient_aal") {
        setPhase("mfa");
        return "Confirm with your authenticator app first.";
      }
      return "We could not change your password. Request a new link and try again.";
    }
    const signOutOthers = form.get("signOutOthers") === "on";
    if (signOutOthers) await revokeOtherSessions(supabase);
    // The "password changed" mail (with its "this wasn't me" link) — best effort, the change itself succeeded.
    await fetch("/reset-password/notify", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
    setNotice(signOutOthers ? "Your password has been changed and your other sessions were signed out." : "Your password has been changed.");
    setPhase("done");
    return null;
  }

  if (phase === "done") {
    return (
      <>
        <Alert tone="success">{notice}</Alert>
        <p>
          <Link className="button" href="/account">
            Continue to your account
          </Link>
        </p>
      </>
    );
  }

  if (phase === "timeout") {
    return (
      <>
        <Alert tone="error">
          {linkError ??
            "We could not verify this reset link. It may have expired or been used already, or it was opened in a different browser than the one you asked from."}
        </Alert>
        <p>Reset links work once and expire after one hour. Ask for a new one — it will work in any browser.</p>
        <p>
          <Link className="button" href="/forgot-password">
            Send me a new link
          </Link>
        </p>
      </>
    );
  }

  if (phase === "waiting") {
    return (
      <p role="status" aria-live="polite" aria-busy="true">
        Checking your reset link…
      </p>
    );
  }

  if (phase === "mfa") {
    return (
      <MfaChallenge
        idPrefix="reset-mfa"
        intro="Your account uses two-step verification. Enter the code from your authenticator app to continue."
        onVerified={() => setPhase("ready")}
      />
    );
  }

  return (
    <>
      {compromised ? (
        <Alert tone="info">
          We signed your account out on every other device. Choose a new password now — one you have not used before.
        </Alert>
      ) : null}
      {email ? (
        <p>
          Account: <strong data-testid="reset-email">{email}</strong>
        </p>
      ) : null}
      <NewPasswordForm idPrefix="reset" email={email} submitLabel="Change password" pendingLabel="Changing password…" onSubmit={updatePassword}>
        <div className="field checkbox">
          <label>
            <input type="checkbox" name="signOutOthers" defaultChecked /> Sign out of all other devices
          </label>
        </div>
      </NewPasswordForm>
    </>
  );
}

/** Ends every other session: the app's revocation API (denylists access tokens too), falling back to GoTrue's scope. */
export async function revokeOtherSessions(supabase: SupabaseClient): Promise<void> {
  const res = await fetch("/api/my/sessions/revoke-others", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => null);
  if (!res || !res.ok) await supabase.auth.signOut({ scope: "others" }).catch(() => undefined);
}
