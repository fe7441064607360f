/**
 * CSRF defence for state-changing handlers (ASVS v5.0.0-3.5.1): the `Origin` header must be on ALLOWED_ORIGINS.
 * - Origin present and not allowed → refused, whatever the credential.
 * - Origin absent: refused for cookie-authenticated requests (cookies are ambient credentials a browser attaches
 *   cross-site); allowed for bearer-only requests, because a browser cannot attach an Authorization header
 *   cross-origin without a CORS preflight we never grant — service-to-service callers do not send Origin.
 */
import { ApiError } from "@/lib/api/errors";

export type CredentialKind = "bearer" | "cookie";

export function assertAllowedOrigin(request: Request, allowedOrigins: readonly string[], credential: CredentialKind): void {
  const origin = request.headers.get("origin");
  if (origin === null) {
    if (credential === "cookie") throw new ApiError("forbidden_origin");
    return;
  }
  if (!allowedOrigins.includes(origin)) throw new ApiError("forbidden_origin");
}
