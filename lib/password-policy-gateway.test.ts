import { describe, expect, it } from "vitest";
import type { GatewayContext } from "@/lib/auth-gateway/hooks";
import { passwordPolicyGate } from "./password-policy-gateway";

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
