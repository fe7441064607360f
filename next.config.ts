import type { NextConfig } from "next";

/**
 * Next.js configuration. Static security headers are added here by the middleware/headers work (issue 5) so static
 * files get them too; the per-request nonce CSP lives in middleware.ts.
 */
const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev` refuses cross-origin dev-asset requests from other hosts; allow the loopback names we print.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
};

export default nextConfig;
