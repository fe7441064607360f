/**
 * CSRF check for form POSTs from our own pages. The confirm page is served with `Referrer-Policy: no-referrer`,
 * under which browsers send `Origin: null` on its form POST — so `null`/absent Origin is accepted only when the
 * browser's `Sec-Fetch-Site` says the request came from our own origin. Anything else fails closed.
 */
export function isSameOriginPost(request: Request, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.get("origin");
  if (origin && origin !== "null") {
    return allowedOrigins.some((allowed) => {
      try {
        return new URL(allowed).origin === origin;
      } catch {
        return false;
      }
    });
  }
  return request.headers.get("sec-fetch-site") === "same-origin";
}
