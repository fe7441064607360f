/**
 * Signup confirmation mail (called by POST /signup inside its transaction, and by POST /resend and
 * POST /otp for unconfirmed users): sets confirmation_token / confirmation_sent_at and the one_time_tokens
 * row, then sends the mail. 429 over_email_send_rate_limit within GOTRUE_SMTP_MAX_FREQUENCY of the last one.
 */
import type { PoolClient } from "pg";
import type { AuthContext } from "../context";
import type { UserRecord } from "../users";
import { sendSignupConfirmationMail } from "./mail";
import { withTransaction } from "../tx";
import { resolveRedirect } from "./redirect";

export interface ConfirmationOptions {
  redirectTo?: string | null;
  /** set when the signup started a PKCE flow (code_challenge) */
  flowStateId?: string | null;
  db?: PoolClient;
}

export async function sendConfirmationMail(ctx: AuthContext, user: UserRecord, opts: ConfirmationOptions): Promise<void> {
  const redirectTo = resolveRedirect(ctx.config, opts.redirectTo);
  const flow = opts.flowStateId ? "pkce" : "implicit";
  const run = (db: PoolClient) => sendSignupConfirmationMail(ctx, db, user, { flow, redirectTo });
  if (opts.db) return run(opts.db);
  return withTransaction(ctx, run);
}
