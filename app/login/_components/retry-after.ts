/**
 * "Try again in …" from a limited answer. The gateway's 429 (lib/security/rate-limit, GoTrue shape) says
 * "Too many requests. Try again in N seconds." — supabase-js exposes only the message, not the Retry-After header.
 */
export function retryAfterSeconds(message: string | null | undefined): number | null {
  const m = /try again in (\d{1,7}) seconds?/i.exec(message ?? "");
  return m ? Number(m[1]) : null;
}

export function retryAfterText(message: string | null | undefined): string {
  const seconds = retryAfterSeconds(message);
  if (seconds === null) return "Please wait a few minutes and try again.";
  if (seconds < 60) return `Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
