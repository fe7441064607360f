/**
 * The Edge middleware pipeline, as a factory so tests can drive it with real NextRequests and injected stores.
 * Order (issue 5): trusted host → block check → per-route rate limits → session refresh → nonce CSP + page headers.
 *
 * - Block checks and rate limits run only where something can be guessed or abused: the auth gateway (/auth/v1/*) and
 *   the API (/api/*). Page views do no auth work themselves, so they skip the Redis round trips.
 * - Limits keyed on the JSON body (email, OTP identifier) run in the auth gateway's beforeProxy hook instead
 *   (lib/security/rate-limit-gateway.ts): the Edge never buffers request bodies.
 * - Prefetch requests are NOT excluded by the matcher: the header that marks them is client-chosen and must not be a
 *   way around the host check.
 */
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import type { AuditSink } from "@/lib/audit/types";
import { clientIp, ipKey } from "./client-ip";
import { buildCsp, createNonce, reportingEndpointsHeader } from "./csp";
import { pageSecurityHeaders } from "./headers";
import { rateLimitedResponse, rateLimitHeaders, type RateLimiter, type RateLimitResult } from "./rate-limit";
import { edgePoliciesFor, policy, type RateLimitPolicyName } from "./rate-limit-policy";
import { isAllowedHost, untrustedHostResponse, type HostPattern } from "./trusted-hosts";

/** lib/security/auth-monitor's checkBlocked: takes the raw IP (it groups IPv6 by /64 itself). */
export type BlockCheck = (subject: { ip: string | null }) => Promise<{ blocked: boolean; retryAfterSeconds: number }>;

export type SessionRefresher = (request: NextRequest) => Promise<{
  cookies: { name: string; value: string; options: Record<string, unknown> }[];
  headers: Record<string, string>;
}>;

export type EdgePipelineOptions = {
  allowedHosts: readonly HostPattern[];
  trustedProxyHops: number;
  /** `next dev`: relaxes the CSP exactly as lib/security/csp.ts says. */
  development: boolean;
  /** Adds upgrade-insecure-requests (the site is served over HTTPS). */
  upgradeInsecureRequests: boolean;
  connectSrc?: readonly string[];
  limiter: RateLimiter;
  checkBlocked?: BlockCheck;
  /** Hands a security event to the Node side (edge audit queue); must not throw synchronously. */
  audit: AuditSink;
  /** Reports that a control could not run (block store down); the limiter reports its own store failures. */
  onControlFailure?: (control: string, error: unknown) => void;
  updateSession?: SessionRefresher;
};

const MAX_BEARER_LENGTH = 8192;

export function createEdgePipeline(options: EdgePipelineOptions) {
  return async function securityMiddleware(request: NextRequest, event?: NextFetchEvent): Promise<Response> {
    if (!isAllowedHost(request.headers.get("host"), options.allowedHosts)) return untrustedHostResponse();
    // A path that does not percent-decode (`%FF`, `%C0%AF`, a lone `%`) makes Next's router fail on dynamic segments
    // after this middleware with a bare 500 (no security headers): refuse it here as the bad request it is.
    if (!decodablePath(request.nextUrl.pathname)) return malformedPathResponse();

    const { pathname, searchParams } = request.nextUrl;
    const isGateway = pathname === "/auth/v1" || pathname.startsWith("/auth/v1/");
    const isApi = pathname === "/api" || pathname.startsWith("/api/");
    const rateLimitHeaderSets: Record<string, string>[] = [];

    if (isGateway || isApi) {
      const ip = clientIp(request, { trustedProxyHops: options.trustedProxyHops });
      const ipIdentifier = ipKey(ip);
      const policies = edgePoliciesFor(request.method, pathname, searchParams);
      // The block check and the limits are issued together: @upstash/redis pipelines commands of one tick into one
      // HTTP round trip. The block still takes precedence in the answer; a blocked request also counts against limits.
      const [block, results] = await Promise.all([
        checkBlock(options, ip),
        Promise.all(policies.map((name) => options.limiter.check(name, edgeIdentifier(name, ipIdentifier, request)))),
      ]);
      if (block?.blocked) return blockedResponse(block.retryAfterSeconds, isGateway);
      for (const result of results) {
        if (!result.success) {
          const audit = auditRefusal(options, result, ip, `${request.method} ${pathname}`);
          if (event) event.waitUntil(audit);
          return rateLimitedResponse(result, policy(result.policy).shape);
        }
        rateLimitHeaderSets.push(rateLimitHeaders(result));
      }
      const response = NextResponse.next();
      for (const headers of rateLimitHeaderSets) for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
      return response;
    }

    const session = options.updateSession ? await options.updateSession(request) : { cookies: [], headers: {} };

    const nonce = createNonce();
    const csp = buildCsp({
      nonce,
      development: options.development,
      upgradeInsecureRequests: options.upgradeInsecureRequests,
      connectSrc: options.connectSrc,
    });
    // Built after the session refresh so refreshed cookies (written to request.cookies) reach the page.
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("x-nonce", nonce);
    requestHeaders.set("content-security-policy", csp);
    const response = NextResponse.next({ request: { headers: requestHeaders } });
    response.headers.set("content-security-policy", csp);
    response.headers.set("reporting-endpoints", reportingEndpointsHeader());
    for (const { key, value } of pageSecurityHeaders(pathname)) response.headers.set(key, value);
    for (const [key, value] of Object.entries(session.headers)) response.headers.set(key, value);
    for (const { name, value, options: cookieOptions } of session.cookies) response.cookies.set(name, value, cookieOptions);
    return response;
  };
}

function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

function malformedPathResponse(): Response {
  return new Response("Bad Request\n", { status: 400, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}

async function checkBlock(options: EdgePipelineOptions, ip: string | null) {
  if (!options.checkBlocked) return undefined;
  try {
    return await options.checkBlocked({ ip });
  } catch (error) {
    // Fail towards the rate limits, not towards an outage: they still bound guessing via their fallback.
    options.onControlFailure?.("ip_block_check", error);
    return undefined;
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The benchmark switch (bench/middleware.ts): MIDDLEWARE_BYPASS=bench turns the middleware off ONLY when every allowed
 * host is a loopback name, so a deployment on a real host cannot be switched off by an environment variable.
 */
export function benchBypassAllowed(flag: string | undefined, allowedHosts: readonly HostPattern[]): boolean {
  return flag === "bench" && allowedHosts.length > 0 && allowedHosts.every(({ hostname, wildcard }) => !wildcard && LOOPBACK_HOSTS.has(hostname));
}

function edgeIdentifier(name: RateLimitPolicyName, ipIdentifier: string, request: NextRequest): string {
  if (policy(name).key === "user") {
    const sub = unverifiedSubject(request.headers.get("authorization"));
    // Without a decodable bearer the request fails upstream anyway; count it against the IP so it is still limited.
    // (A sub is a UUID and an IP key never is, so the two cannot share a bucket.)
    return sub ?? ipIdentifier;
  }
  return ipIdentifier;
}

/**
 * The `sub` claim of a bearer token, decoded WITHOUT verification — used only to pick a rate-limit bucket. A forged
 * sub only lands the forger in someone else's (or a made-up) bucket; the token is verified upstream.
 */
export function unverifiedSubject(authorization: string | null): string | null {
  if (authorization === null || authorization.length > MAX_BEARER_LENGTH) return null;
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/i.exec(authorization.trim());
  if (!match?.[2]) return null;
  try {
    const base64 = match[2].replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
    const payload = JSON.parse(json) as unknown;
    if (typeof payload !== "object" || payload === null) return null;
    const sub = (payload as { sub?: unknown }).sub;
    return typeof sub === "string" && /^[A-Za-z0-9-]{1,64}$/.test(sub) ? sub.toLowerCase() : null;
  } catch {
    return null;
  }
}

function blockedResponse(retryAfterSeconds: number, gotrue: boolean): Response {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  const message = `Too many failed attempts. Try again in ${retryAfter} seconds.`;
  const body = gotrue
    ? { code: "over_request_rate_limit", error_code: "over_request_rate_limit", msg: message, message }
    : { error: "blocked", retry_after: retryAfter };
  return new Response(JSON.stringify(body), {
    status: 429,
    headers: { "content-type": "application/json", "cache-control": "no-store", "retry-after": String(retryAfter) },
  });
}

async function auditRefusal(options: EdgePipelineOptions, result: RateLimitResult, ip: string | null, target: string): Promise<void> {
  // The target is method + path only: query strings can carry tokens.
  try {
    await options.audit({
      event: "excess_rate_limit_exceeded",
      outcome: "failure",
      ip,
      userAgent: null,
      target,
      details: { policy: result.policy, limit: result.limit, window_seconds: policy(result.policy).windowSeconds, source: result.source },
    });
  } catch {
    // Auditing is best effort on the edge; the refusal itself already happened.
  }
}
