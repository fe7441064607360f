/**
 * Server-side enforcement of lib/password-policy at the auth gateway: a browser can skip the form's checks, so
 * `PUT /user` (password change, reset, invite set-password) and `POST /signup` with a password that breaks the
 * rules are answered here with GoTrue's own 422 `weak_password` shape (supabase-js raises AuthWeakPasswordError),
 * and the upstream is never called. The password is never logged.
 */
import type { BeforeProxyHook, GatewayContext } from "@/lib/auth-gateway/hooks";
import { PASSWORD_ISSUE_MESSAGES, checkPassword, type PasswordIssueCode } from "@/lib/password-policy";

const REASON: Record<PasswordIssueCode, "length" | "characters" | "pwned"> = {
  too_short: "length",
  too_long: "length",
  common: "pwned",
  contains_email: "characters",
};

/** The bearer's `email` claim, UNVERIFIED: only used to make the check stricter, never to grant anything. */
function bearerEmail(request: Request): string | null {
  const auth = request.headers.get("authorization") ?? "";
  const token = /^bearer\s+([A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*)$/i.exec(auth.trim());
  if (!token?.[2] || token[2].length > 8192) return null;
  try {
    const claims = JSON.parse(atob(token[2].replace(/-/g, "+").replace(/_/g, "/"))) as { email?: unknown };
    return typeof claims.email === "string" ? claims.email : null;
  } catch {
    return null;
  }
}

function applies(ctx: GatewayContext): boolean {
  return (ctx.method === "PUT" && ctx.path === "/user") || (ctx.method === "POST" && ctx.path === "/signup");
}

export const passwordPolicyGate: BeforeProxyHook = async (ctx) => {
  if (!applies(ctx) || typeof ctx.body !== "object" || ctx.body === null) return undefined;
  const { password, email } = ctx.body as { password?: unknown; email?: unknown };
  if (typeof password !== "string" || password === "") return undefined; // no password change in this call
  const check = await checkPassword(password, { email: typeof email === "string" ? email : bearerEmail(ctx.request) });
  if (check.ok) return undefined;
  const message = check.issues.map((i) => PASSWORD_ISSUE_MESSAGES[i]).join(" ");
  const reasons = [...new Set(check.issues.map((i) => REASON[i]))];
  return new Response(JSON.stringify({ code: "weak_password", error_code: "weak_password", msg: message, message, weak_password: { reasons } }), {
    status: 422,
    headers: { "content-type": "application/json", "cache-control": "no-store", "x-sb-error-code": "weak_password" },
  });
};

// ---------------------------------------------------------------------------------------------------------
// ASVS 6.2.3: a password CHANGE needs the current password. Enforced here (not left to a GoTrue setting): `PUT /user`
// with a new password passes only when the verified session came from an emailed link within the hour (recovery,
// token_hash/otp, magic link, invite — the reset and invitation journeys), or when `current_password` is correct.
// The check signs in upstream with the current password and immediately ends that throwaway session.

const EMAIL_LINK_METHODS = new Set(["recovery", "otp", "magiclink", "invite", "email/signup", "email"]);
const EMAIL_LINK_WINDOW_SECONDS = 60 * 60;

export type CurrentPasswordDeps = {
  /** Verifies the caller's access token (signature, claims); throws when invalid. */
  verify: (token: string) => Promise<{ email: string | null; amr: unknown }>;
  /** True when `password` is the account's current password. */
  passwordMatches: (email: string, password: string, ip: string | null) => Promise<boolean>;
  now?: () => number;
};

export function cameFromEmailLink(amr: unknown, nowSeconds: number): boolean {
  if (!Array.isArray(amr)) return false;
  return amr.some(
    (entry: { method?: unknown; timestamp?: unknown }) =>
      typeof entry?.method === "string" &&
      EMAIL_LINK_METHODS.has(entry.method) &&
      typeof entry.timestamp === "number" &&
      nowSeconds - entry.timestamp <= EMAIL_LINK_WINDOW_SECONDS,
  );
}

function gotrueError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ code, error_code: code, msg: message, message }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", "x-sb-error-code": code },
  });
}

export function createCurrentPasswordGate(deps: CurrentPasswordDeps): BeforeProxyHook {
  const now = deps.now ?? Date.now;
  return async (ctx) => {
    if (ctx.method !== "PUT" || ctx.path !== "/user" || typeof ctx.body !== "object" || ctx.body === null) return undefined;
    const { password, current_password: current } = ctx.body as { password?: unknown; current_password?: unknown };
    if (typeof password !== "string" || password === "") return undefined;
    const bearer = /^bearer\s+(\S+)$/i.exec((ctx.request.headers.get("authorization") ?? "").trim())?.[1];
    if (!bearer) return undefined; // upstream answers 401 no_authorization
    let claims: { email: string | null; amr: unknown };
    try {
      claims = await deps.verify(bearer);
    } catch {
      return undefined; // upstream answers 403 bad_jwt / session_not_found
    }
    if (cameFromEmailLink(claims.amr, Math.floor(now() / 1000))) return undefined;
    if (typeof current !== "string" || current === "") {
      return gotrueError(400, "current_password_required", "Current password required when setting new password.");
    }
    if (!claims.email || !(await deps.passwordMatches(claims.email, current, ctx.ip))) {
      return gotrueError(400, "current_password_invalid", "Current password required when setting new password.");
    }
    return undefined;
  };
}
