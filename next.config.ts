import type { NextConfig } from "next";
import { apiSecurityHeaders, staticSecurityHeaders } from "./lib/security/headers";

/**
 * Next.js configuration. Static security headers are added here by the middleware/headers work (issue 5) so static
 * files get them too; the per-request nonce CSP lives in middleware.ts.
 */
const nextConfig: NextConfig = {
  // NEXT_DIST_DIR lets test builds (tests/integration/headers, scan:headers, bench:middleware) live beside .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm test` runs `tsc --noEmit` as its own step before the e2e build; the e2e build sets NEXT_SKIP_TYPECHECK=1 so
  // the same check does not run twice. `npm run build` (production) always type-checks.
  typescript: { ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === "1" },
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev` refuses cross-origin dev-asset requests from other hosts; allow the loopback names we print.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
  // Static security headers for every path, static files included (issue 5; lib/security/headers.ts). Documents get
  // their nonce CSP from middleware.ts; API and gateway responses a lock-down CSP from here.
  async headers() {
    const production = process.env.NODE_ENV === "production";
    return [
      { source: "/:path*", headers: staticSecurityHeaders({ production }) },
      { source: "/api/:path*", headers: apiSecurityHeaders() },
      { source: "/auth/v1/:path*", headers: apiSecurityHeaders() },
    ];
  },
};

export default nextConfig;
