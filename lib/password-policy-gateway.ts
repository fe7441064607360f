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
