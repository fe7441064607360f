"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Alert } from "@/components/alert";
import { NewPasswordForm } from "@/app/reset-password/_components/new-password-form";
import { createClient } from "@/lib/supabase/browser";
import { TOKEN_ERROR_MESSAGES, extractAndValidateToken, processTokenSecurely, type TokenErrorCode } from "@/lib/tokenSecurity";
import { verifyInviteToken } from "./verify-invite";

type Phase = { kind: "checking" } | { kind: "set-password"; email: string | null } | { kind: "done" } | { kind: "failed"; code: TokenErrorCode };

export function InviteClient() {
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });
  const clientRef = useRef<SupabaseClient | null>(null);

  useEffect(() => {
    let cancelled = false;
    const supabase = createClient();
    clientRef.current = supabase;
    (async () => {
      // getSession() waits for the client's own URL processing (implicit #access_token links) to finish.
      const { data: existing } = await supabase.auth.getSession();
      const url = new URL(window.location.href);
      const tokenResult = extractAndValidateToken(url.searchParams, url, { allowedTypes: ["invite", "signup", "magiclink", "email"] });
      if (existing.session && (tokenResult.errors.includes("missing_token") || tokenResult.param === "access_token")) {
        // Session already established (via /auth/confirm, or the client processed an implicit link).
        if (!cancelled) setPhase({ kind: "set-password", email: existing.session.user.email ?? null });
        return;
      }
      const result = await processTokenSecurely("invitation_processing", tokenResult, (token, email, _type, param) =>
        verifyInviteToken(supabase, { token, email, param }),
      );
      // The token has done its job: take it out of the address bar (and out of history / screenshots).
      window.history.replaceState(null, "", "/invite");
      if (cancelled) return;
      if (!result.success) {
        setPhase({ kind: "failed", code: result.code });
        return;
      }
      setPhase({ kind: "set-password", email: result.data.email });
    })().catch(() => {
      if (!cancelled) setPhase({ kind: "failed", code: "processing_failed" });
    });
    return () => {
      cancelled = true;
    };
  }, []);

  async function setPassword(password: string): Promise<string | null> {
    const supabase = clientRef.current ?? createClient();
    const { error } = await supabase.auth.updateUser({ password });
    if (error) {
      if (error.code === "weak_password") return error.message || "This password is too weak. Choose a longer or less common one.";
      if (error.status === 429) return "Too many attempts. Please wait a few minutes and try again.";
      if (error.status === 401 || error.status === 403) return "Your invitation session has ended. Open the invitation link again or ask for a new invitation.";
      return "We could not set your password. Please try again.";
    }
    setPhase({ kind: "done" });
    return null;
  }

  switch (phase.kind) {
    case "checking":
      return (
        <p role="status" aria-live="polite" aria-busy="true">
          Checking your invitation…
        </p>
      );
    case "failed":
      return (
        <>
          <Alert tone="error">
            {phase.code === "link_expired" || phase.code === "token_expired" || phase.code === "token_too_old"
              ? "This invitation link has expired or has already been used."
              : TOKEN_ERROR_MESSAGES[phase.code]}
          </Alert>
          <p>Invitations work once and expire after a while. Ask the person who invited you to send a new invitation.</p>
          <p>
            Already set a password? <Link href="/login">Sign in</Link>. Forgot it? <Link href="/forgot-password">Reset your password</Link>.
          </p>
        </>
      );
    case "done":
      return (
        <>
          <Alert tone="success">Your password is set and your account is ready.</Alert>
          <p>
            <Link className="button" href="/account">
              Continue to your account
            </Link>
          </p>
        </>
      );
    case "set-password":
      return (
        <>
          <p>
            Welcome{phase.email ? (
              <>
                , <strong data-testid="invite-email">{phase.email}</strong>
              </>
            ) : null}
            . Choose a password to finish setting up your account.
          </p>
          <NewPasswordForm idPrefix="invite" email={phase.email} submitLabel="Set password" pendingLabel="Setting password…" onSubmit={setPassword} />
        </>
      );
  }
}
