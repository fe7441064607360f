/**
 * Starts an email change for `user` (PUT /user with a new email): sets email_change, email_change_sent_at,
 * the email_change_token_* columns and one_time_tokens rows, and mails the new address (and, with secure
 * email change, the current one). Runs inside the caller's transaction. `flowStateId` marks a PKCE request.
 */
import type { PoolClient } from "pg";
import type { AuthContext } from "../context";
import type { UserRecord } from "../users";
import { sendEmailChangeMails } from "./mail";
import { resolveRedirect } from "./redirect";

export interface EmailChangeOptions {
  db: PoolClient;
  redirectTo?: string | null;
  flowStateId?: string | null;
}

export async function sendEmailChange(ctx: AuthContext, user: UserRecord, newEmail: string, opts: EmailChangeOptions): Promise<void> {
  const redirectTo = resolveRedirect(ctx.config, opts.redirectTo);
  await sendEmailChangeMails(ctx, opts.db, user, newEmail, { flow: opts.flowStateId ? "pkce" : "implicit", redirectTo });
}
