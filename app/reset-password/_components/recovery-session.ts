/**
 * UX gate for the reset form (the server is the real authority): a session may set a password WITHOUT the current
 * one only when it came from an emailed link — its newest `amr` entry is `recovery`, or `otp` (what GoTrue records
 * for a token_hash verification through /auth/confirm; a magic link proves the same thing: control of the mailbox)
 * — and is recent. A normal
 * signed-in session must use /account (current password or reauthentication). Reads the access token's payload
 * without verifying it: never used for trust, only to pick which screen to show.
 */
export const RECOVERY_WINDOW_SECONDS = 60 * 60;
const EMAIL_LINK_METHODS = new Set(["recovery", "otp", "magiclink"]);

export function isRecoverySession(accessToken: string | null | undefined, nowMs: number = Date.now()): boolean {
  if (!accessToken) return false;
  try {
    const segment = accessToken.split(".")[1] ?? "";
    const json = atob(segment.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (segment.length % 4)) % 4));
    const payload = JSON.parse(json) as { amr?: Array<{ method?: unknown; timestamp?: unknown }> };
    const newest = Array.isArray(payload.amr) ? payload.amr[0] : undefined;
    if (!newest || typeof newest.method !== "string" || !EMAIL_LINK_METHODS.has(newest.method) || typeof newest.timestamp !== "number") return false;
    return nowMs / 1000 - newest.timestamp <= RECOVERY_WINDOW_SECONDS;
  } catch {
    return false;
  }
}
