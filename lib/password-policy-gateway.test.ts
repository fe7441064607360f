import { describe, expect, it } from "vitest";
import type { GatewayContext } from "@/lib/auth-gateway/hooks";
import { createCurrentPasswordGate, passwordPolicyGate } from "./password-policy-gateway";

function ctx(method: string, path: string, body: unknown, headers: Record<string, string> = {}): GatewayContext {
  return { request: new Request("http://app.test/auth/v1" + path, { method, headers }), path, searchParams: new URLSearchParams(), method, body, ip: "203.0.113.1" };
}
const jwt = (claims: object) => `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("passwordPolicyGate", () => {
  it("refuses a common password on PUT /user with GoTrue's weak_password shape", async () => {
    const res = await passwordPolicyGate(ctx("PUT", "/user", { password: "password123" }));
    expect(res?.status).toBe(422);
    const body = await res!.json();
    expect(body).toMatchObject({ code: "weak_password", weak_password: { reasons: ["pwned"] } });
    expect(JSON.stringify(body)).not.toContain("password123");
    expect(res!.headers.get("x-sb-error-code")).toBe("weak_password");
  });

  it("refuses too short and over-72-byte passwords on signup", async () => {
    expect((await passwordPolicyGate(ctx("POST", "/signup", { email: "a@b.co", password: "short" })))?.status).toBe(422);
    const long = await passwordPolicyGate(ctx("POST", "/signup", { email: "a@b.co", password: "é".repeat(37) }));
    expect(await long!.json()).toMatchObject({ weak_password: { reasons: ["length"] } });
  });

  it("refuses the account's own email (from the body, or the bearer's claim)", async () => {
    expect((await passwordPolicyGate(ctx("POST", "/signup", { email: "alicebob@example.com", password: "alicebob@example.com" })))?.status).toBe(422);
    const put = ctx("PUT", "/user", { password: "xx alicebob@example.com" }, { authorization: `Bearer ${jwt({ email: "alicebob@example.com" })}` });
    expect((await passwordPolicyGate(put))?.status).toBe(422);
  });

  it("lets good passwords and unrelated calls through", async () => {
    expect(await passwordPolicyGate(ctx("PUT", "/user", { password: "violet-tractor-moonlight-43" }))).toBeUndefined();
    expect(await passwordPolicyGate(ctx("PUT", "/user", { data: { name: "x" } }))).toBeUndefined();
    expect(await passwordPolicyGate(ctx("POST", "/token", { password: "password" }))).toBeUndefined(); // sign-in is not a password choice
    expect(await passwordPolicyGate(ctx("PUT", "/user", null))).toBeUndefined();
  });
});

describe("currentPasswordGate (ASVS 6.2.3)", () => {
  const NOW = 1_800_000_000_000;
  const s = NOW / 1000;
  const put = (body: unknown) => ctx("PUT", "/user", body, { authorization: "Bearer a.b.c" });
  const gate = (amr: unknown, matches = true) =>
    createCurrentPasswordGate({ verify: async () => ({ email: "p@example.com", amr }), passwordMatches: async () => matches, now: () => NOW });

  it("lets email-link sessions (reset, invite) set a password without the current one", async () => {
    expect(await gate([{ method: "otp", timestamp: s - 60 }])(put({ password: "x-new-password-1" }))).toBeUndefined();
    expect(await gate([{ method: "totp", timestamp: s }, { method: "recovery", timestamp: s - 600 }])(put({ password: "x-new-password-1" }))).toBeUndefined();
    expect(await gate([{ method: "invite", timestamp: s - 60 }])(put({ password: "x-new-password-1" }))).toBeUndefined();
  });

  it("requires the current password for a password session, or an email-link session older than 1 h", async () => {
    const missing = await gate([{ method: "password", timestamp: s }])(put({ password: "x-new-password-1" }));
    expect(missing?.status).toBe(400);
    expect(await missing!.json()).toMatchObject({ code: "current_password_required" });
    expect((await gate([{ method: "otp", timestamp: s - 3601 }])(put({ password: "x-new-password-1" })))?.status).toBe(400);
  });

  it("checks the current password", async () => {
    const wrong = await gate([{ method: "password", timestamp: s }], false)(put({ password: "x-new-password-1", current_password: "nope" }));
    expect(await wrong!.json()).toMatchObject({ code: "current_password_invalid" });
    expect(await gate([{ method: "password", timestamp: s }], true)(put({ password: "x-new-password-1", current_password: "right" }))).toBeUndefined();
  });

  it("ignores calls without a new password, without a bearer, or with an invalid bearer (upstream refuses those)", async () => {
    expect(await gate([])(put({ data: { a: 1 } }))).toBeUndefined();
    expect(await gate([])(ctx("PUT", "/user", { password: "x-new-password-1" }))).toBeUndefined();
    const bad = createCurrentPasswordGate({ verify: async () => { throw new Error("bad"); }, passwordMatches: async () => true });
    expect(await bad(put({ password: "x-new-password-1" }))).toBeUndefined();
  });
});
