/**
 * Hostile-input regressions for the Edge pipeline (H8 review). A path Next cannot percent-decode used to reach the
 * router, which failed on the dynamic segment (`/api/my/sessions/[id]`, `/api/admin/users/[id]`, `/auth/v1/[...path]`)
 * with a bare 500 and no security headers. The pipeline now answers 400 before any store is touched.
 */
import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";
import { createEdgePipeline } from "./edge-pipeline";
import type { RateLimiter } from "./rate-limit";
import { parseAllowedHosts } from "./trusted-hosts";

function setup() {
  const check = vi.fn<RateLimiter["check"]>(async (policy) => ({
    success: true, limit: 5, remaining: 4, reset: Date.now() + 60_000, retryAfterSeconds: 0, policy, source: "store" as const,
  }));
  const checkBlocked = vi.fn(async () => ({ blocked: false, retryAfterSeconds: 0 }));
  const updateSession = vi.fn(async () => ({ cookies: [], headers: {} }));
  const run = createEdgePipeline({
    allowedHosts: parseAllowedHosts("app.example.com"),
    trustedProxyHops: 1,
    development: false,
    upgradeInsecureRequests: true,
    limiter: { check },
    checkBlocked,
    audit: () => {},
    updateSession,
  });
  return { run, check, checkBlocked, updateSession };
}

const req = (path: string, method = "GET") =>
  new NextRequest(`https://app.example.com${path}`, { method, headers: { host: "app.example.com", "x-forwarded-for": "203.0.113.9" } });

describe("edge pipeline, malformed percent-encoding in the path", () => {
  it.each([
    ["DELETE", "/api/my/sessions/%FF"],
    ["DELETE", "/api/my/sessions/%C0%AF"],
    ["POST", "/api/admin/users/%FF/ban"],
    ["GET", "/auth/v1/user%FF"],
    ["GET", "/account/%E0%A4%A"],
  ])("%s %s → 400 no-store, no store or session work", async (method, path) => {
    const { run, check, checkBlocked, updateSession } = setup();
    const response = await run(req(path, method));
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(check).not.toHaveBeenCalled();
    expect(checkBlocked).not.toHaveBeenCalled();
    expect(updateSession).not.toHaveBeenCalled();
  });

  it("still passes well-formed encodings (UTF-8, encoded slash) through to the route", async () => {
    const { run } = setup();
    for (const path of ["/api/my/sessions/%E2%80%AE", "/api/my/sessions/%F0%9F%98%80", "/api/my/sessions/..%2Fx"]) {
      const response = await run(req(path, "DELETE"));
      expect(response.status, path).toBe(200);
      expect(response.headers.get("x-middleware-next"), path).toBe("1");
    }
  });
});
