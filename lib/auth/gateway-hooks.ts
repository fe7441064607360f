/**
 * Token-security hooks on the auth gateway (registered in lib/auth-gateway/hooks.ts):
 * - `authBlockGate` (before): password sign-in, OTP/link verification and MFA verification are refused with 429 +
 *   Retry-After while the IP, the account or the IP+account is blocked (lib/security/auth-monitor) — before upstream.
 * - `revokeOnLogout` (before): POST /logout?scope=local|others|global denylists the affected session ids, read from
 *   auth.sessions BEFORE upstream deletes them; global also sets the user's not-before.
 * - `snapshotBeforePasswordChange` (before) + `revokeAfterPasswordChange` (blocking after): PUT /user with a password
 *   (change or reset) → upstream deletes the user's OTHER sessions; we denylist those ids so their access tokens die now.
 * - `trackAuthOutcome` (after the response): failures count towards blocks; successes, refresh-token reuse and password
 *   changes are audited.
 */
import type { AfterProxyHook, BeforeProxyHook, GatewayContext, SignOutHook } from "@/lib/auth-gateway/hooks";
import { auditEvent } from "@/lib/audit";
import { db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { parseBearer } from "./bearer";
import { authMonitor, revocationStore, tokenVerifier } from "./context";
import { sessionIdsOf } from "./sessions";
import type { VerifiedToken } from "./verify";

type Kind = "password" | "verify" | "mfa" | "refresh" | "logout" | "user_update" | null;

function kindOf(ctx: GatewayContext): Kind {
  const { method, path } = ctx;
  if (method === "POST" && path === "/token") {
    const grant = ctx.searchParams.get("grant_type");
    return grant === "password" ? "password" : grant === "refresh_token" ? "refresh" : null;
  }
  if (method === "POST" && path === "/verify") return "verify";
  if (method === "POST" && /^\/factors\/[^/]+\/verify$/.test(path)) return "mfa";
  if (method === "POST" && path === "/logout") return "logout";
  if (method === "PUT" && path === "/user") return "user_update";
  return null;
}

const field = (body: unknown, name: string): string | null => {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" && v.length <= 320 ? v : null;
};

const verifiedTokens = new WeakMap<Request, Promise<VerifiedToken | null>>();

/** The caller's verified access token (signature and claims; revocation deliberately ignored), memoised per request. */
function callerToken(ctx: GatewayContext): Promise<VerifiedToken | null> {
  let p = verifiedTokens.get(ctx.request);
  if (!p) {
    p = (async () => {
      try {
        return await tokenVerifier()(parseBearer(ctx.request.headers));
      } catch {
        return null;
      }
    })();
    verifiedTokens.set(ctx.request, p);
  }
  return p;
}

async function accountOf(ctx: GatewayContext, kind: Kind): Promise<string | null> {
  if (kind === "password" || kind === "verify") return field(ctx.body, "email");
  if (kind === "mfa") return (await callerToken(ctx))?.sub ?? null;
  return null;
}

const base = (ctx: GatewayContext) => ({ ip: ctx.ip, userAgent: ctx.request.headers.get("user-agent") });

export const authBlockGate: BeforeProxyHook = async (ctx) => {
  const kind = kindOf(ctx);
  if (kind !== "password" && kind !== "verify" && kind !== "mfa") return undefined;
  const status = await authMonitor().checkBlocked({ ip: ctx.ip, account: await accountOf(ctx, kind) });
  if (!status.blocked) return undefined;
  // The duration is in the message too: supabase-js exposes only the message to the page, not Retry-After. Same body
  // as the middleware's block and the gateway rate limits, so one refusal has one shape whichever layer answers.
  const message = `Too many failed attempts. Try again in ${status.retryAfterSeconds} seconds.`;
  return new Response(JSON.stringify({ code: "over_request_rate_limit", error_code: "over_request_rate_limit", msg: message, message }), {
    status: 429,
    headers: { "content-type": "application/json", "cache-control": "no-store", "retry-after": String(status.retryAfterSeconds), "x-sb-error-code": "over_request_rate_limit" },
  });
};

export const revokeOnLogout: BeforeProxyHook = async (ctx) => {
  if (kindOf(ctx) !== "logout") return undefined;
  const token = await callerToken(ctx);
  if (!token) return undefined; // upstream refuses it too
  const scope = ctx.searchParams.get("scope") ?? "global";
  const store = revocationStore();
  let ids: string[];
  if (scope === "local") {
    ids = [token.sessionId];
    await store.revokeSessions(ids, token.exp);
  } else {
    const all = await sessionIdsOf(db(), token.sub);
    ids = scope === "others" ? all.filter((id) => id !== token.sessionId) : [...new Set([...all, token.sessionId])];
    await Promise.all([store.revokeSessions(ids), scope === "global" ? store.revokeUserBefore(token.sub) : Promise.resolve()]);
  }
  auditEvent({ ...base(ctx), event: "authn_token_revoked", outcome: "success", actorUserId: token.sub, sessionId: token.sessionId, target: `user:${token.sub}`, details: { via: "logout", scope, sessions: ids.length } });
  return undefined;
};

const passwordChanges = new WeakMap<Request, { token: VerifiedToken; others: string[] }>();

export const snapshotBeforePasswordChange: BeforeProxyHook = async (ctx) => {
  if (kindOf(ctx) !== "user_update" || field(ctx.body, "password") === null) return undefined;
  const token = await callerToken(ctx);
  if (!token) return undefined;
  const others = (await sessionIdsOf(db(), token.sub)).filter((id) => id !== token.sessionId);
  passwordChanges.set(ctx.request, { token, others });
  return undefined;
};

export const revokeAfterPasswordChange: AfterProxyHook = async (ctx, result) => {
  const change = passwordChanges.get(ctx.request);
  if (!change) return;
  const { token, others } = change;
  const ok = result.status >= 200 && result.status < 300;
  if (ok) await revocationStore().revokeSessions(others);
  auditEvent({
    ...base(ctx),
    event: ok ? "authn_password_change" : "authn_password_change_fail",
    outcome: ok ? "success" : "failure",
    actorUserId: token.sub,
    sessionId: token.sessionId,
    target: `user:${token.sub}`,
    details: ok ? { otherSessionsRevoked: others.length } : { error: result.errorCode ?? String(result.status) },
  });
};

function sessionIdFromTokenBody(body: unknown): string | null {
  const token = field(body, "access_token") ?? (body && typeof body === "object" ? field((body as Record<string, unknown>).session, "access_token") : null);
  if (!token) return null;
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    return typeof payload.session_id === "string" ? payload.session_id : null;
  } catch {
    return null;
  }
}

export const trackAuthOutcome: AfterProxyHook = async (ctx, result) => {
  const kind = kindOf(ctx);
  if (kind !== "password" && kind !== "verify" && kind !== "mfa" && kind !== "refresh") return;
  const ok = result.status >= 200 && result.status < 300;
  if (kind === "refresh") {
    if (result.errorCode === "refresh_token_already_used") {
      auditEvent({ ...base(ctx), event: "authn_token_reuse", outcome: "failure", details: { error: result.errorCode } });
    }
    return;
  }
  const account = await accountOf(ctx, kind);
  if (ok) {
    const user = result.body && typeof result.body === "object" ? (result.body as Record<string, unknown>).user : undefined;
    const userId = field(user, "id");
    auditEvent({ ...base(ctx), event: "authn_login_success", outcome: "success", actorUserId: userId, sessionId: sessionIdFromTokenBody(result.body), details: { method: kind } });
    return;
  }
  // Throttling and upstream outages are not evidence of guessing.
  if (result.status === 429 || result.status >= 500) return;
  try {
    await authMonitor().recordAuthFailure({ ...base(ctx), account, reason: `${kind}:${result.errorCode ?? result.status}` });
  } catch (err) {
    logger.error("auth monitor unavailable at the gateway", { event: "sys_monitor", error: err });
  }
};

/** POST /auth/sign-out (the app's own sign-out route): denylist the ended session. */
export const revokeOnSignOut: SignOutHook = async ({ request, claims, scope }) => {
  const sub = typeof claims?.sub === "string" ? claims.sub : null;
  const sid = typeof claims?.session_id === "string" ? claims.session_id : null;
  if (!sub || !sid) return;
  const exp = typeof claims?.exp === "number" ? claims.exp : undefined;
  const store = revocationStore();
  if (scope === "local") await store.revokeSessions([sid], exp);
  else {
    const all = await sessionIdsOf(db(), sub);
    await store.revokeSessions(scope === "others" ? all.filter((id) => id !== sid) : [...new Set([...all, sid])]);
    if (scope === "global") await store.revokeUserBefore(sub);
  }
  auditEvent({
    event: "authn_token_revoked",
    outcome: "success",
    actorUserId: sub,
    sessionId: sid,
    userAgent: request.headers.get("user-agent"),
    target: `user:${sub}`,
    details: { via: "sign-out", scope },
  });
};
