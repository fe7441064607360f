/**
 * THE rate-limit policy table: every limit the product enforces, in one place (documented in docs/security.md,
 * "Rate limits"). Numbers from security-requirements.md where the seeds fixed them.
 *
 * `stage` says where the check runs:
 * - "edge": middleware.ts, before any route code, keyed on what the request line and headers give (IP, bearer `sub`);
 * - "gateway": the auth gateway's beforeProxy hook (lib/security/rate-limit-gateway.ts), for limits keyed on the JSON
 *   body (email, OTP identifier) — the gateway parses the body once, so the Edge never buffers request bodies;
 * - "app": called by a route handler or server action through `checkRateLimit(policy, identifier)`.
 */

export type RateLimitKey = "ip" | "ip+email" | "email" | "identifier" | "user";

/*
 * Identifiers (the policy name is already part of the store key):
 *   ip        → ipKey(clientIp(request))            e.g. "203.0.113.7", "2001:db8:1:2::/64", "unknown"
 *   email     → emailKey(email)                      e.g. "alice@example.com"
 *   ip+email  → `${ipKey(ip)}|${emailKey(email)}`
 *   user      → the user id (bearer `sub`), or the ip key when there is none
 *   identifier→ emailKey(email), or `token:${first 16 chars}` of a token hash
 */

/** Normalized email (or phone) for rate-limit keys: trimmed, lower-cased, length-capped. */
export function emailKey(value: unknown): string {
  return typeof value === "string" && value.trim() !== "" ? value.trim().toLowerCase().slice(0, 320) : "none";
}

export type RateLimitPolicy = {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds (sliding window). */
  windowSeconds: number;
  key: RateLimitKey;
  stage: "edge" | "gateway" | "app";
  /** 429 body shape: the app's JSON or GoTrue's (so supabase-js surfaces a proper AuthApiError). */
  shape: "app" | "gotrue";
  description: string;
};

const MINUTE = 60;

export const RATE_LIMIT_POLICIES = {
  sso_cookie_set: { limit: 5, windowSeconds: MINUTE, key: "ip", stage: "edge", shape: "app", description: "POST /api/my/sso-cookie" },
  sso_cookie_clear: { limit: 10, windowSeconds: MINUTE, key: "ip", stage: "edge", shape: "app", description: "DELETE /api/my/sso-cookie" },
  security_events: { limit: 30, windowSeconds: MINUTE, key: "ip", stage: "edge", shape: "app", description: "POST /api/security-events (client security log, CSP reports)" },
  password_signin_ip: { limit: 30, windowSeconds: 15 * MINUTE, key: "ip", stage: "edge", shape: "gotrue", description: "POST /auth/v1/token?grant_type=password, per-IP ceiling" },
  password_signin: { limit: 5, windowSeconds: 15 * MINUTE, key: "ip+email", stage: "gateway", shape: "gotrue", description: "POST /auth/v1/token?grant_type=password, per IP + email" },
  recover_ip: { limit: 5, windowSeconds: 15 * MINUTE, key: "ip", stage: "edge", shape: "gotrue", description: "POST /auth/v1/recover, per IP" },
  recover_email: { limit: 5, windowSeconds: 15 * MINUTE, key: "email", stage: "gateway", shape: "gotrue", description: "POST /auth/v1/recover, per email" },
  otp_ip: { limit: 5, windowSeconds: 15 * MINUTE, key: "ip", stage: "edge", shape: "gotrue", description: "POST /auth/v1/otp (magic link / email OTP send), per IP" },
  otp_email: { limit: 5, windowSeconds: 15 * MINUTE, key: "email", stage: "gateway", shape: "gotrue", description: "POST /auth/v1/otp, per email or phone" },
  verify_ip: { limit: 20, windowSeconds: 15 * MINUTE, key: "ip", stage: "edge", shape: "gotrue", description: "GET/POST /auth/v1/verify, per-IP ceiling" },
  verify_identifier: { limit: 5, windowSeconds: 15 * MINUTE, key: "identifier", stage: "gateway", shape: "gotrue", description: "POST /auth/v1/verify (invite, recovery, signup, magic link, OTP code), per email or token prefix" },
  mfa_verify: { limit: 5, windowSeconds: 5 * MINUTE, key: "user", stage: "edge", shape: "gotrue", description: "POST /auth/v1/factors/{id}/verify, per user (bearer sub; per IP without one)" },
  signup_ip: { limit: 5, windowSeconds: 15 * MINUTE, key: "ip", stage: "edge", shape: "gotrue", description: "POST /auth/v1/signup, per IP" },
  invite_processing: { limit: 5, windowSeconds: 15 * MINUTE, key: "identifier", stage: "app", shape: "app", description: "POST /auth/confirm/verify (invitation and every other email-link token, verified server-side, not through the gateway), per token prefix" },
} as const satisfies Record<string, RateLimitPolicy>;

export type RateLimitPolicyName = keyof typeof RATE_LIMIT_POLICIES;

export function policy(name: RateLimitPolicyName): RateLimitPolicy {
  return RATE_LIMIT_POLICIES[name];
}

/** The edge-stage policies that apply to a request line (method + path + query). Identifiers are added by the caller. */
export function edgePoliciesFor(method: string, pathname: string, searchParams: URLSearchParams): RateLimitPolicyName[] {
  const m = method.toUpperCase();
  if (pathname === "/api/my/sso-cookie") return m === "POST" ? ["sso_cookie_set"] : m === "DELETE" ? ["sso_cookie_clear"] : [];
  if (pathname === "/api/security-events") return m === "POST" ? ["security_events"] : [];
  // The email-link interstitial verifies server-side (straight to Supabase Auth), so it gets the gateway's per-IP ceiling.
  if (pathname === "/auth/confirm/verify") return m === "POST" ? ["verify_ip"] : [];
  if (!pathname.startsWith("/auth/v1/")) return [];
  const path = pathname.slice("/auth/v1".length);
  if (m === "POST" && path === "/token" && searchParams.get("grant_type") === "password") return ["password_signin_ip"];
  if (m === "POST" && path === "/recover") return ["recover_ip"];
  if (m === "POST" && path === "/otp") return ["otp_ip"];
  if ((m === "POST" || m === "GET") && path === "/verify") return ["verify_ip"];
  if (m === "POST" && path === "/signup") return ["signup_ip"];
  if (m === "POST" && /^\/factors\/[^/]+\/verify$/.test(path)) return ["mfa_verify"];
  return [];
}

/** The gateway-stage policies for an upstream auth path (below /auth/v1). */
export function gatewayPoliciesFor(method: string, path: string, searchParams: URLSearchParams): RateLimitPolicyName[] {
  if (method.toUpperCase() !== "POST") return [];
  if (path === "/token" && searchParams.get("grant_type") === "password") return ["password_signin"];
  if (path === "/recover") return ["recover_email"];
  if (path === "/otp") return ["otp_email"];
  if (path === "/verify") return ["verify_identifier"];
  return [];
}
