/**
 * Forgot-password, uniform by construction (ASVS 6.3.8 / security-requirements "uniform responses"): the reply is
 * the same whether or not the account exists, and it takes about the same time — the work runs first, then the
 * response is held until a fixed minimum duration has passed. The upstream call (which sends mail only for existing
 * accounts, so it takes longer for them) is never awaited by the reply: it runs in the background (`background`,
 * Next's after() in the route), so the reply time does not depend on it. Upstream errors (including GoTrue's per-user resend
 * spacing, which only fires for EXISTING accounts) are swallowed for the same reason. The only distinct reply is
 * our own rate limit, keyed on the submitted email and the client IP — it fires alike for unknown addresses.
 */
import { isValidEmail } from "@/lib/tokenSecurity";

export const FORGOT_MIN_DURATION_MS = 1_200;

export const FORGOT_REPLY = "If an account exists for that address, we have sent a link to reset the password. Check your inbox (and spam folder); the link works once and expires in one hour.";

export type ForgotOutcome =
  | { status: 200; body: { ok: true; message: string } }
  | { status: 400; body: { error: "invalid_email"; message: string } }
  | { status: 429; body: { error: "rate_limited"; message: string; retry_after: number }; retryAfterSeconds: number };

export type ForgotDeps = {
  /** Returns `retryAfterSeconds` when limited, or null when allowed. */
  rateLimit: (email: string, ip: string | null) => Promise<number | null>;
  sendReset: (email: string) => Promise<void>;
  /** Keeps the upstream call alive after the reply (Next's after()). */
  background?: (work: Promise<void>) => void;
  minDurationMs?: number;
  /** When the request arrived (the pad counts from here, so body parsing and cold starts are inside it). */
  startedAt?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function requestPasswordReset(rawEmail: unknown, ip: string | null, deps: ForgotDeps): Promise<ForgotOutcome> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const started = deps.startedAt ?? now();
  const email = typeof rawEmail === "string" ? rawEmail.trim().toLowerCase() : "";
  if (!isValidEmail(email)) {
    // Shape errors are about the input, not the account: answered at once.
    return { status: 400, body: { error: "invalid_email", message: "Enter a valid email address." } };
  }

  let outcome: ForgotOutcome;
  const retryAfter = await deps.rateLimit(email, ip).catch(() => 60); // limiter failure → refuse (fail closed)
  if (retryAfter !== null) {
    const minutes = Math.max(1, Math.ceil(retryAfter / 60));
    outcome = {
      status: 429,
      body: { error: "rate_limited", message: `Too many requests. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, retry_after: retryAfter },
      retryAfterSeconds: retryAfter,
    };
  } else {
    const sending = Promise.resolve()
      .then(() => deps.sendReset(email))
      .catch(() => undefined);
    deps.background?.(sending);
    outcome = { status: 200, body: { ok: true, message: FORGOT_REPLY } };
  }
  const elapsed = now() - started;
  const min = deps.minDurationMs ?? FORGOT_MIN_DURATION_MS;
  if (elapsed < min) await sleep(min - elapsed);
  return outcome;
}
