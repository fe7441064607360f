/**
 * Auth-gateway rate limits keyed on the request body (registered in lib/auth-gateway/hooks.ts beforeProxyHooks).
 * The per-IP ceilings for the same paths run earlier, in the Edge middleware; these add the per-email / per-IP+email /
 * per-identifier limits from the one policy table (lib/security/rate-limit-policy.ts).
 */
import type { BeforeProxyHook, GatewayContext } from "@/lib/auth-gateway/hooks";
import { auditEvent } from "@/lib/audit";
import type { AuditSink } from "@/lib/audit/types";
import { logger } from "@/lib/logger";
import { ipKey } from "./client-ip";
import { checkRateLimit, rateLimitedResponse, type RateLimitResult } from "./rate-limit";
import { emailKey, gatewayPoliciesFor, policy, type RateLimitPolicyName } from "./rate-limit-policy";

type Check = (name: RateLimitPolicyName, identifier: string) => Promise<RateLimitResult>;

const field = (body: unknown, name: string): unknown =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;

/** The identifier a gateway policy counts, from the parsed JSON body (never logged: it can hold an OTP). */
export function gatewayIdentifier(name: RateLimitPolicyName, ctx: Pick<GatewayContext, "body" | "ip">): string {
  const email = field(ctx.body, "email") ?? field(ctx.body, "phone");
  switch (policy(name).key) {
    case "ip+email":
      return `${ipKey(ctx.ip)}|${emailKey(email)}`;
    case "email":
      return emailKey(email);
    case "identifier": {
      if (typeof email === "string" && email.trim() !== "") return emailKey(email);
      const tokenHash = field(ctx.body, "token_hash");
      // A token prefix groups retries of one link without storing the whole credential.
      if (typeof tokenHash === "string" && tokenHash.length >= 16) return `token:${tokenHash.slice(0, 16)}`;
      return `ip:${ipKey(ctx.ip)}`;
    }
    default:
      return ipKey(ctx.ip);
  }
}

export function createGatewayRateLimit(check: Check, audit: AuditSink): BeforeProxyHook {
  return async function gatewayRateLimit(ctx) {
    for (const name of gatewayPoliciesFor(ctx.method, ctx.path, ctx.searchParams)) {
      const result = await check(name, gatewayIdentifier(name, ctx));
      if (result.success) continue;
      try {
        await audit({
          event: "excess_rate_limit_exceeded",
          outcome: "failure",
          ip: ctx.ip,
          target: `${ctx.method} /auth/v1${ctx.path}`,
          details: { policy: name, limit: result.limit, window_seconds: policy(name).windowSeconds, source: result.source },
        });
      } catch {
        // Best effort: the refusal stands either way.
      }
      return rateLimitedResponse(result, "gotrue");
    }
    return undefined;
  };
}

/** The hook with the process-wide limiter; refusals go to the audit log (and the structured log). */
export const gatewayRateLimit: BeforeProxyHook = createGatewayRateLimit(checkRateLimit, (event) => {
  logger.warn("security_event", { ...event });
  auditEvent(event);
});
