import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";
import type { AuditEventInput } from "@/lib/audit/types";
import { benchBypassAllowed, createEdgePipeline, unverifiedSubject, type EdgePipelineOptions } from "./edge-pipeline";
import type { RateLimiter, RateLimitResult } from "./rate-limit";
import { parseAllowedHosts } from "./trusted-hosts";

const allow = (overrides: Partial<RateLimitResult> = {}): RateLimitResult => ({
  success: true, limit: 5, remaining: 4, reset: Date.now() + 60_000, retryAfterSeconds: 0, policy: "sso_cookie_set", source: "store", ...overrides,
});

function setup(overrides: Partial<EdgePipelineOptions> = {}) {
  const events: AuditEventInput[] = [];
  const check = vi.fn<RateLimiter["check"]>(async (policy) => allow({ policy }));
  const options: EdgePipelineOptions = {
    allowedHosts: parseAllowedHosts("app.example.com,*.example.net"),
    trustedProxyHops: 1,
    development: false,
    upgradeInsecureRequests: true,
    limiter: { check },
    checkBlocked: vi.fn(async () => ({ blocked: false, retryAfterSeconds: 0 })),
    audit: (event) => {
      events.push(event);
    },
    ...overrides,
  };
  return { run: createEdgePipeline(options), events, check, options };
}

const req = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  new NextRequest(`https://app.example.com${path}`, {
    method: init.method ?? "GET",
    headers: { host: "app.example.com", "x-forwarded-for": "6.6.6.6, 203.0.113.9", ...init.headers },
  });

describe("edge pipeline", () => {
  it("answers 400 for an untrusted Host before touching any store", async () => {
    const { run, check, options } = setup();
    const response = await run(req("/api/my/sso-cookie", { method: "POST", headers: { host: "evil.example.com" } }));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("evil");
    expect(check).not.toHaveBeenCalled();
    expect(options.checkBlocked).not.toHaveBeenCalled();
  });

  it("refuses a blocked IP on the auth gateway with 429 + Retry-After in GoTrue's shape, ahead of rate limits", async () => {
    const { run } = setup({
      checkBlocked: vi.fn(async () => ({ blocked: true, retryAfterSeconds: 1200 })),
      limiter: { check: async (policy) => allow({ policy, success: false, retryAfterSeconds: 5 }) },
    });
    const response = await run(req("/auth/v1/token?grant_type=password", { method: "POST" }));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1200");
    expect(((await response.json()) as { code: string }).code).toBe("over_request_rate_limit");
  });

  it("checks the block with the trusted client IP (rightmost hop), not a client-written one", async () => {
    const checkBlocked = vi.fn(async () => ({ blocked: false, retryAfterSeconds: 0 }));
    const { run, check } = setup({ checkBlocked });
    await run(req("/api/my/sso-cookie", { method: "POST" }));
    expect(checkBlocked).toHaveBeenCalledWith({ ip: "203.0.113.9" });
    expect(check).toHaveBeenCalledWith("sso_cookie_set", "203.0.113.9");
  });

  it("refuses over-limit requests with 429, RateLimit headers and an excess_rate_limit_exceeded event", async () => {
    const { run, events } = setup({
      limiter: { check: async (policy) => allow({ policy, success: false, remaining: 0, retryAfterSeconds: 30 }) },
    });
    const response = await run(req("/api/my/sso-cookie?token=secret", { method: "POST" }));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("30");
    expect(response.headers.get("ratelimit-limit")).toBe("5");
    expect(await response.json()).toEqual({ error: "rate_limited", retry_after: 30 });
    await Promise.resolve();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "excess_rate_limit_exceeded", ip: "203.0.113.9", target: "POST /api/my/sso-cookie" });
    expect(JSON.stringify(events)).not.toContain("secret");
  });

  it("keys MFA verification on the bearer's sub", async () => {
    const { run, check } = setup();
    const payload = Buffer.from(JSON.stringify({ sub: "8D6F2A4C-0000-4000-8000-000000000001" })).toString("base64url");
    await run(req("/auth/v1/factors/f1/verify", { method: "POST", headers: { authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.${payload}.sig` } }));
    expect(check).toHaveBeenCalledWith("mfa_verify", "8d6f2a4c-0000-4000-8000-000000000001");
  });

  it("passes allowed API requests on with RateLimit headers and no CSP nonce", async () => {
    const { run } = setup();
    const response = await run(req("/api/my/sso-cookie", { method: "POST" }));
    expect(response.headers.get("x-middleware-next")).toBe("1");
    expect(response.headers.get("ratelimit-remaining")).toBe("4");
    expect(response.headers.get("x-middleware-request-x-nonce")).toBeNull();
  });

  it("gives pages a fresh nonce on the request (for Next's scripts) and the same CSP on the response", async () => {
    const { run, check, options } = setup();
    const first = await run(req("/login"));
    const second = await run(req("/login"));
    const nonce = first.headers.get("x-middleware-request-x-nonce");
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(second.headers.get("x-middleware-request-x-nonce")).not.toBe(nonce);
    const csp = first.headers.get("content-security-policy");
    expect(csp).toContain(`'nonce-${nonce}'`);
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(first.headers.get("reporting-endpoints")).toBe('csp-endpoint="/api/security-events"');
    expect(check).not.toHaveBeenCalled();
    expect(options.checkBlocked).not.toHaveBeenCalled();
  });

  it("marks token-bearing pages no-referrer + no-store", async () => {
    const { run } = setup();
    const response = await run(req("/reset-password"));
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toContain("no-store");
  });

  it("applies refreshed session cookies to the page request and the response", async () => {
    const { run } = setup({
      updateSession: async (request) => {
        request.cookies.set("sb-mindroom-auth", "refreshed");
        return { cookies: [{ name: "sb-mindroom-auth", value: "refreshed", options: { path: "/", sameSite: "lax" } }], headers: { "cache-control": "private, no-store" } };
      },
    });
    const response = await run(req("/account", { headers: { cookie: "sb-mindroom-auth=old" } }));
    expect(response.headers.get("set-cookie")).toContain("sb-mindroom-auth=refreshed");
    expect(response.headers.get("x-middleware-request-cookie")).toContain("sb-mindroom-auth=refreshed");
  });

  it("keeps limiting when the block store is down, and reports the control failure", async () => {
    const onControlFailure = vi.fn();
    const { run, check } = setup({ checkBlocked: async () => Promise.reject(new Error("down")), onControlFailure });
    const response = await run(req("/auth/v1/recover", { method: "POST" }));
    expect(response.status).toBe(200);
    expect(check).toHaveBeenCalledWith("recover_ip", "203.0.113.9");
    expect(onControlFailure).toHaveBeenCalledWith("ip_block_check", expect.any(Error));
  });
});

describe("unverifiedSubject", () => {
  const token = (payload: unknown) => `Bearer h.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.s`;
  it.each([
    [null, null],
    ["Basic abc", null],
    [token({ sub: 42 }), null],
    [token({ sub: "../../etc" }), null],
    [token("string"), null],
    ["Bearer a.%%%.c", null],
    [`Bearer a.${"A".repeat(9000)}.c`, null],
    [token({ sub: "abc-123" }), "abc-123"],
  ])("%j → %j", (header, expected) => {
    expect(unverifiedSubject(header)).toBe(expected);
  });
});

describe("benchBypassAllowed", () => {
  it("allows the bench switch only for loopback-only deployments", () => {
    expect(benchBypassAllowed("bench", parseAllowedHosts("127.0.0.1:3000,localhost:3000"))).toBe(true);
    expect(benchBypassAllowed("bench", parseAllowedHosts("127.0.0.1:3000,app.example.com"))).toBe(false);
    expect(benchBypassAllowed("bench", parseAllowedHosts("*.localhost"))).toBe(false);
    expect(benchBypassAllowed("1", parseAllowedHosts("127.0.0.1:3000"))).toBe(false);
    expect(benchBypassAllowed(undefined, parseAllowedHosts("127.0.0.1:3000"))).toBe(false);
  });
});
