/**
 * Auth gateway route: the browser Supabase client's auth calls (`{origin}/auth/v1/*`) are proxied to the upstream
 * Supabase Auth by lib/auth-gateway/proxy.ts, with the hooks registered in lib/auth-gateway/hooks.ts.
 */
import { after } from "next/server";
import { registeredHooks } from "@/lib/auth-gateway/hooks";
import { proxyAuthRequest } from "@/lib/auth-gateway/proxy";
import { serverEnv } from "@/lib/env";
import { clientIp } from "@/lib/security/client-ip";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  const env = serverEnv();
  return proxyAuthRequest(request, {
    upstream: env.NEXT_PUBLIC_SUPABASE_URL,
    ip: clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS }),
    hooks: registeredHooks(),
    allowedOrigins: [env.NEXT_PUBLIC_SITE_URL, ...env.ALLOWED_ORIGINS],
    schedule: (task) => after(task),
  });
}

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
export const OPTIONS = handle;
export const HEAD = handle;
