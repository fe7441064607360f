/**
 * Security headers. Static ones are served by next.config.ts `headers()` for every path, static files included;
 * per-page ones (no-store / no-referrer on token-bearing and authenticated pages) are added by the middleware.
 */

export type HeaderEntry = { key: string; value: string };

/** Two years, as the HSTS preload list asks for. */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains; preload";

/** Only features this product never uses are switched off; every name is a valid Permissions-Policy feature. */
export const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "display-capture=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "screen-wake-lock=()",
  "usb=()",
  "xr-spatial-tracking=()",
].join(", ");

/** Headers for every response. HSTS only in production: on http://localhost it would pin the developer's browser. */
export function staticSecurityHeaders(options: { production: boolean }): HeaderEntry[] {
  const headers: HeaderEntry[] = [
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: PERMISSIONS_POLICY },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
    { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
    { key: "X-Frame-Options", value: "DENY" },
    // The legacy XSS auditor is gone from browsers and was itself an XSS vector: "0" switches it off (OWASP, MDN).
    { key: "X-XSS-Protection", value: "0" },
    { key: "X-DNS-Prefetch-Control", value: "off" },
    { key: "X-Permitted-Cross-Domain-Policies", value: "none" },
  ];
  if (options.production) headers.push({ key: "Strict-Transport-Security", value: HSTS_VALUE });
  return headers;
}

/** Pages whose URL carries a token: the token must not leak via Referer or caches. */
export const TOKEN_BEARING_PATHS = ["/reset-password", "/invite", "/auth/confirm"] as const;
/** Pages that show a signed-in user's data: never cached by browsers or shared caches. */
export const AUTHENTICATED_PATHS = ["/account", "/admin"] as const;

const matchesPrefix = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);

/** Extra headers for a page response: no-referrer for token-bearing pages, no-store for both groups. */
export function pageSecurityHeaders(pathname: string): HeaderEntry[] {
  const tokenBearing = TOKEN_BEARING_PATHS.some((prefix) => matchesPrefix(pathname, prefix));
  const authenticated = AUTHENTICATED_PATHS.some((prefix) => matchesPrefix(pathname, prefix));
  const headers: HeaderEntry[] = [];
  if (tokenBearing) headers.push({ key: "Referrer-Policy", value: "no-referrer" });
  if (tokenBearing || authenticated) headers.push({ key: "Cache-Control", value: "private, no-store, max-age=0" });
  return headers;
}

/** JSON APIs never render documents: a lock-down CSP stops a response from ever being used as a page. */
export function apiSecurityHeaders(): HeaderEntry[] {
  return [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }];
}
