/**
 * Where /auth/confirm continues after a successful verification, per link type. `next` (from the mail link) is
 * honoured only when it is a same-origin path (absolute URLs on the site's own origin are reduced to their path)
 * and, for recovery and invite links, only when it stays inside that journey — a recovery link always ends on the
 * reset form, never on an attacker-chosen page.
 */
import { safeRedirectPath } from "@/lib/safe-redirect";
import type { TokenType } from "@/lib/tokenSecurity";

export const DEFAULT_DESTINATION: Readonly<Record<TokenType, string>> = Object.freeze({
  recovery: "/reset-password",
  invite: "/invite?step=set-password",
  signup: "/account",
  email: "/account",
  magiclink: "/account",
  email_change: "/account",
});

/** Journeys whose `next` must stay under their own page. */
const CONFINED: Partial<Record<TokenType, string>> = { recovery: "/reset-password", invite: "/invite" };

/** `http://site/x?y` on the site origin → `/x?y`; other origins → null; relative paths pass through. */
export function toSameOriginPath(next: string | null | undefined, siteOrigin: string): string | null {
  if (!next) return null;
  if (next.startsWith("/")) return next;
  try {
    const url = new URL(next);
    if (url.origin !== new URL(siteOrigin).origin) return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}

export function confirmDestination(type: TokenType, next: string | null | undefined, siteOrigin: string): string {
  const fallback = DEFAULT_DESTINATION[type];
  const path = toSameOriginPath(next, siteOrigin);
  if (path === null) return fallback;
  const safe = safeRedirectPath(path, fallback);
  const confined = CONFINED[type];
  if (confined) {
    const pathname = safe.split(/[?#]/)[0];
    if (pathname !== confined) return fallback;
    // The site root (GoTrue's default redirect_to) and the page itself keep the journey's default query.
    if (safe === confined) return fallback;
  } else if (safe === "/") {
    return fallback;
  }
  return safe;
}

/** `?compromised=1` on a recovery link marks the "this wasn't me" journey (password-changed mail). */
export function isCompromisedReport(type: TokenType, destination: string): boolean {
  if (type !== "recovery") return false;
  const query = destination.split("?")[1]?.split("#")[0] ?? "";
  return new URLSearchParams(query).get("compromised") === "1";
}
