/**
 * Extension points of the auth gateway (`/auth/v1/*` → Supabase Auth).
 *
 * Register a hook by adding it to one of the arrays below (one line per hook, with its owner), e.g.
 *   import { gatewayRateLimit } from "@/lib/security/rate-limit-gateway";
 *   export const beforeProxyHooks: BeforeProxyHook[] = [gatewayRateLimit];
 *
 * - `beforeProxyHooks` run in order before the upstream call; the first one that returns a Response short-circuits
 *   (that Response goes to the client, the upstream is never called). A hook that THROWS makes the gateway answer
 *   503 without calling upstream (fail closed) — hooks that can degrade gracefully must catch their own errors.
 * - `afterProxyBlockingHooks` run (awaited, in order) after the upstream answered and before the client gets the
 *   response: for work that must be done by then (e.g. writing a revocation on logout).
 * - `afterProxyHooks` run after the response has been sent (Next's `after()`): failure tracking, audit, metrics.
 *   Errors in after-hooks are swallowed (they never change the response).
 *
 * `ctx.body` and `result.body` may hold passwords and tokens: never log them.
 */
import { gatewayRateLimit } from "@/lib/security/rate-limit-gateway";
import { passwordPolicyGate } from "@/lib/password-policy-gateway";
import { currentPasswordGate } from "@/lib/password-policy-gateway-upstream";
import { authBlockGate, revokeAfterPasswordChange, revokeOnLogout, revokeOnSignOut, snapshotBeforePasswordChange, trackAuthOutcome } from "@/lib/auth/gateway-hooks";

export type GatewayContext = {
  /** The incoming request (its body has already been read: use `body`). */
  readonly request: Request;
  /** Upstream path below /auth/v1, always starting with "/", e.g. "/token", "/factors/<id>/verify". */
  readonly path: string;
  /** Query parameters, e.g. `grant_type=password` for /token. */
  readonly searchParams: URLSearchParams;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Parsed JSON request body, or null (no body, not JSON, or unparseable). */
  readonly body: unknown;
  /** Client IP from lib/security/client-ip (trusted proxy hops), or null when none can be derived. */
  readonly ip: string | null;
};

export type GatewayResult = {
  status: number;
  /** GoTrue's `error_code` (or `x-sb-error-code` header) for 4xx/5xx; gateway errors use their own codes. */
  errorCode?: string;
  /** Parsed JSON response body, if any. */
  body?: unknown;
};

export type BeforeProxyHook = (ctx: GatewayContext) => Promise<Response | undefined> | Response | undefined;
export type AfterProxyHook = (ctx: GatewayContext, result: GatewayResult) => Promise<void> | void;

export type GatewayHooks = {
  beforeProxy: readonly BeforeProxyHook[];
  afterProxyBlocking: readonly AfterProxyHook[];
  afterProxy: readonly AfterProxyHook[];
};

/** Before the upstream call. Order matters: blocks, then rate limits. */
export const beforeProxyHooks: BeforeProxyHook[] = [
  authBlockGate, // issue 4 (token security): 429 while the IP/account is blocked after repeated auth failures
  gatewayRateLimit, // issue 5 (middleware/rate limits): body-keyed limits (per email, IP+email, identifier)
  revokeOnLogout, // issue 4: /logout (each scope) denylists the ended sessions' access tokens
  passwordPolicyGate, // issue 6 (user journeys): ASVS password rules enforced server-side on PUT /user and /signup
  currentPasswordGate, // issue 6: a password change needs the current password unless the session came from an email link
  snapshotBeforePasswordChange, // issue 4: remember the other sessions before a password change ends them
];

/** After the upstream call, awaited before responding. */
export const afterProxyBlockingHooks: AfterProxyHook[] = [
  revokeAfterPasswordChange, // issue 4: denylist the other sessions a password change/reset ended
];

/** After the response is sent (via `after()`). */
export const afterProxyHooks: AfterProxyHook[] = [
  trackAuthOutcome, // issue 4: failure tracking (blocks) + audit of logins, MFA, verify, refresh-token reuse
];

/**
 * Sign-out from the app's own route (`POST /auth/sign-out`, which calls the upstream directly, not via the gateway).
 * `claims` are the verified claims of the session being ended (null when the cookie held no valid session).
 * Awaited in order after the upstream logout; errors are swallowed. Used for revocation, SSO cookie clearing, audit.
 */
export type SignOutContext = { request: Request; claims: Record<string, unknown> | null; scope: "local" | "global" | "others" };
export type SignOutHook = (ctx: SignOutContext) => Promise<void> | void;
export const signOutHooks: SignOutHook[] = [
  revokeOnSignOut, // issue 4: denylist the ended session
];

export function registeredHooks(): GatewayHooks {
  return { beforeProxy: beforeProxyHooks, afterProxyBlocking: afterProxyBlockingHooks, afterProxy: afterProxyHooks };
}
