/**
 * Scanner-safe landing page for every email link: `/auth/confirm?token_hash=…&type=…&next=…`.
 *
 * GET (and HEAD, which Next answers from the same render) only SHOWS a button; nothing is verified or consumed, so
 * a mail scanner or link preview that fetches the URL leaves the one-time token intact. The person's click POSTs
 * the token to /auth/confirm/verify, which verifies it server-side (works in any browser: no PKCE verifier needed).
 * The page carries a token, so it is sent with `Referrer-Policy: no-referrer` (meta + middleware) and never cached.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/alert";
import { AppShell } from "@/components/app-shell";
import { extractAndValidateToken, isTokenType, type TokenType } from "@/lib/tokenSecurity";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Confirm",
  referrer: "no-referrer",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const ACTION: Record<TokenType, { title: string; lead: string; button: string }> = {
  recovery: { title: "Reset your password", lead: "Continue to choose a new password for your account.", button: "Continue to reset password" },
  invite: { title: "Accept your invitation", lead: "Continue to accept the invitation and set up your account.", button: "Accept invitation" },
  signup: { title: "Confirm your email address", lead: "Continue to confirm your email address and sign in.", button: "Confirm email address" },
  email: { title: "Confirm your email address", lead: "Continue to confirm your email address and sign in.", button: "Continue" },
  magiclink: { title: "Sign in", lead: "Continue to sign in to your account.", button: "Sign in" },
  email_change: { title: "Confirm your new email address", lead: "Continue to confirm the change of your email address.", button: "Confirm email change" },
};

/** What to do next when a link does not work, per journey. */
function NextSteps({ type }: { type: TokenType | null }) {
  if (type === "recovery") {
    return (
      <p>
        <Link className="button" href="/forgot-password">
          Send me a new reset link
        </Link>
      </p>
    );
  }
  if (type === "invite") {
    return <p>Ask the person who invited you to send a new invitation. Invitations can be used once and expire after a while.</p>;
  }
  return (
    <p>
      <Link className="button" href="/login">
        Go to sign in
      </Link>{" "}
      <Link className="button secondary" href="/forgot-password">
        Reset password
      </Link>
    </p>
  );
}

const STATUS_TEXT: Record<string, string> = {
  expired: "This link has expired or has already been used.",
  invalid: "This link is not valid.",
  limited: "Too many attempts. Wait a few minutes, then try again.",
  error: "We could not complete this request. Please try again.",
};

export default async function ConfirmPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const status = typeof params.status === "string" ? params.status : null;
  const statusType = typeof params.type === "string" ? params.type : null;

  if (status && STATUS_TEXT[status]) {
    const type = statusType && isTokenType(statusType) ? statusType : null;
    return (
      <AppShell>
        <div className="card narrow">
          <h1>This link cannot be used</h1>
          <Alert tone="error">{STATUS_TEXT[status]}</Alert>
          <NextSteps type={type} />
        </div>
      </AppShell>
    );
  }

  const result = extractAndValidateToken(params, "http://x.invalid/", { allowedParams: ["token_hash"], requireType: true });
  if (!result.isValid || !result.token || !result.type) {
    return (
      <AppShell>
        <div className="card narrow">
          <h1>This link cannot be used</h1>
          <Alert tone="error">{STATUS_TEXT.invalid} Open the link from your email again — make sure the whole link was copied.</Alert>
          <NextSteps type={result.type} />
        </div>
      </AppShell>
    );
  }

  const copy = ACTION[result.type];
  const next = typeof params.next === "string" ? params.next.slice(0, 2048) : "";
  return (
    <AppShell>
      <div className="card narrow">
        <h1>{copy.title}</h1>
        <p>{copy.lead}</p>
        <form method="post" action="/auth/confirm/verify">
          <input type="hidden" name="token_hash" value={result.token} />
          <input type="hidden" name="type" value={result.type} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <button type="submit" className="button block">
            {copy.button}
          </button>
        </form>
        <p className="muted">This extra step protects your link from being used up by email security scanners.</p>
      </div>
    </AppShell>
  );
}
