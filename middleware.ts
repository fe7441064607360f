/**
 * Edge middleware: trusted host → IP block → per-route rate limits → session refresh → nonce CSP.
 * The pipeline lives in lib/security/edge-pipeline.ts; this file only wires configuration and stores.
 */
import type { NextFetchEvent, NextRequest } from "next/server";
import { NextResponse } from "next/server";
import { queueAuditEventFromEdge } from "@/lib/audit/edge";
import type { AuditEventInput } from "@/lib/audit/types";
import { serverEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { redis } from "@/lib/redis";
import { createAuthMonitor } from "@/lib/security/auth-monitor";
import { benchBypassAllowed, createEdgePipeline } from "@/lib/security/edge-pipeline";
import { createRateLimiter } from "@/lib/security/rate-limit";
import { parseAllowedHosts } from "@/lib/security/trusted-hosts";
import { updateSession } from "@/lib/supabase/middleware";

let pipeline: ReturnType<typeof createEdgePipeline> | undefined;
let bypass = false;

/**
 * Security events from the Edge: mirrored to the structured log (which survives a Redis outage — the case the
 * rate-limit store failure events are about) and queued for the Node side's audit writer.
 */
function securityEvent(event: AuditEventInput): Promise<void> {
  logger.warn("security_event", { ...event });
  return queueAuditEventFromEdge(event).catch(() => undefined);
}

function build(): ReturnType<typeof createEdgePipeline> {
  const env = serverEnv();
  const allowedHosts = parseAllowedHosts(env.ALLOWED_HOSTS);
  bypass = benchBypassAllowed(process.env.MIDDLEWARE_BYPASS, allowedHosts);
  const monitor = createAuthMonitor({ redis: redis(), audit: securityEvent });
  const secure = new URL(env.NEXT_PUBLIC_SITE_URL).protocol === "https:";
  return createEdgePipeline({
    allowedHosts,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
    development: env.NODE_ENV === "development",
    upgradeInsecureRequests: secure && env.NODE_ENV === "production",
    limiter: createRateLimiter({
      redis,
      onStoreFailure: (failure) =>
        void securityEvent({ event: "sys_monitor", outcome: "failure", target: `rate_limit:${failure.policy}`, details: { control: "rate_limit_store", ...failure, fallback: "memory" } }),
    }),
    checkBlocked: (subject) => monitor.checkBlocked(subject),
    audit: securityEvent,
    onControlFailure: (control, error) =>
      void securityEvent({ event: "sys_monitor", outcome: "failure", target: control, details: { control, error: error instanceof Error ? error.name : "unknown" } }),
    updateSession: (request) =>
      updateSession(request, { supabaseUrl: env.NEXT_PUBLIC_SUPABASE_URL, publishableKey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, secure }),
  });
}

export async function middleware(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  pipeline ??= build();
  if (bypass) return NextResponse.next();
  return pipeline(request, event);
}

export const config = {
  matcher: [
    // Everything except build assets, image optimisation and files with a static extension (public/). Static files
    // still get the static security headers from next.config.ts. Prefetches are NOT skipped: the marker header is
    // client-chosen and must not bypass the host check.
    "/((?!_next/static|_next/image|favicon\\.ico|.*\\.(?:svg|png|jpg|jpeg|gif|webp|avif|ico|txt|xml|webmanifest|css|js|map|woff|woff2)$).*)",
    // The API and the auth gateway always, whatever the last segment looks like ("/api/x.js" must not skip the limits).
    "/api/:path*",
    "/auth/:path*",
  ],
};
