import { describe, expect, it, vi } from "vitest";
import type { GatewayContext } from "@/lib/auth-gateway/hooks";
import type { AuditEventInput } from "@/lib/audit/types";
import { MemoryLimiter } from "./memory-limiter";
import type { RateLimitResult } from "./rate-limit";
import { createGatewayRateLimit, gatewayIdentifier } from "./rate-limit-gateway";
import { policy, type RateLimitPolicyName } from "./rate-limit-policy";

const ctx = (path: string, body: unknown, extra: Partial<GatewayContext> = {}): GatewayContext => {
  const url = new URL(`http://localhost/auth/v1${path}`);
  return {
    request: new Request(url, { method: "POST" }),
    path: url.pathname.slice("/auth/v1".length),
    searchParams: url.searchParams,
    method: "POST",
    body,
    ip: "203.0.113.9",
    ...extra,
  };
};

/** A real sliding-window limiter (the fallback one) behind the hook. */
function memoryCheck() {
  const limiter = new MemoryLimiter();
  return vi.fn(async (name: RateLimitPolicyName, identifier: string): Promise<RateLimitResult> => {
    const { limit, windowSeconds } = policy(name);
    const r = limiter.limit(`${name}:${identifier}`, limit, windowSeconds * 1000);
    return { ...r, retryAfterSeconds: r.success ? 0 : 900, policy: name, source: "fallback" };
  });
}

describe("gateway rate limits", () => {
  it("limits password sign-in to 5 per IP+email, independent per email", async () => {
    const events: AuditEventInput[] = [];
    const hook = createGatewayRateLimit(memoryCheck(), (e) => {
      events.push(e);
    });
    const attempt = (email: string) => hook(ctx("/token?grant_type=password", { email, password: "wrong" }));
    for (let i = 0; i < 5; i++) expect(await attempt("Alice@Example.com")).toBeUndefined();
    const refused = await attempt("alice@example.com ");
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get("retry-after")).toBe("900");
    expect(((await refused?.json()) as { code: string }).code).toBe("over_request_rate_limit");
    expect(await attempt("bob@example.com")).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "excess_rate_limit_exceeded", target: "POST /auth/v1/token", details: { policy: "password_signin" } });
    expect(JSON.stringify(events)).not.toContain("wrong");
  });

  it("limits recovery per email across IPs", async () => {
    const hook = createGatewayRateLimit(memoryCheck(), () => {});
    for (let i = 0; i < 5; i++) expect(await hook(ctx("/recover", { email: "a@b.co" }, { ip: `198.51.100.${i}` }))).toBeUndefined();
    expect((await hook(ctx("/recover", { email: "a@b.co" }, { ip: "192.0.2.200" })))?.status).toBe(429);
  });

  it("leaves other gateway calls alone", async () => {
    const check = memoryCheck();
    const hook = createGatewayRateLimit(check, () => {});
    expect(await hook(ctx("/token?grant_type=refresh_token", { refresh_token: "x" }))).toBeUndefined();
    expect(await hook({ ...ctx("/user", null), method: "GET" })).toBeUndefined();
    expect(check).not.toHaveBeenCalled();
  });

  it.each([
    ["password_signin", { email: " A@B.co " }, "203.0.113.9|a@b.co"],
    ["password_signin", { phone: "+15551234" }, "203.0.113.9|+15551234"],
    ["password_signin", "not json", "203.0.113.9|none"],
    ["recover_email", { email: ["array"] }, "none"],
    ["verify_identifier", { type: "invite", token_hash: "pkce_0123456789abcdefXYZ" }, "token:pkce_0123456789a"],
    ["verify_identifier", { type: "email", token: "123456", email: "x@y.z" }, "x@y.z"],
    ["verify_identifier", { type: "invite", token_hash: "short" }, "ip:203.0.113.9"],
  ] as const)("%s identifier for %j is %s", (name, body, expected) => {
    expect(gatewayIdentifier(name, { body, ip: "203.0.113.9" })).toBe(expected);
  });
});
