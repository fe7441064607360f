import { describe, expect, it } from "vitest";
import { clearSsoCookie, ssoCookie, validateSsoCookieConfig } from "./sso-cookie";
import { assertAllowedOrigin } from "./origin";
import { ApiError } from "@/lib/api/errors";

describe("SSO cookie", () => {
  const now = 1_800_000_000_000;
  it("sets exactly the required attributes, Max-Age = remaining token life", () => {
    expect(ssoCookie({ name: "mindroom_jwt", domain: ".example.com" }, "a.b.c", 1_800_000_600, now)).toBe(
      "mindroom_jwt=a.b.c; Domain=.example.com; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax",
    );
    expect(ssoCookie({ name: "__Secure-mindroom_jwt", domain: "example.com" }, "a.b.c", 1_800_000_001.9, now)).toBe(
      "__Secure-mindroom_jwt=a.b.c; Domain=example.com; Path=/; Max-Age=1; HttpOnly; Secure; SameSite=Lax",
    );
    expect(ssoCookie({ name: "mindroom_jwt" }, "a.b.c", 1_800_000_060, now)).toBe("mindroom_jwt=a.b.c; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  });
  it("clears with identical attributes and Max-Age=0", () => {
    expect(clearSsoCookie({ name: "mindroom_jwt", domain: ".example.com" })).toBe(
      "mindroom_jwt=; Domain=.example.com; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
    );
  });
  it("refuses expired, oversized or non-JWT values and bad configuration", () => {
    expect(ssoCookie({ name: "mindroom_jwt" }, "a.b.c", now / 1000, now)).toBeNull();
    expect(ssoCookie({ name: "mindroom_jwt" }, "a".repeat(5000), now / 1000 + 60, now)).toBeNull();
    expect(ssoCookie({ name: "mindroom_jwt" }, "a;b", now / 1000 + 60, now)).toBeNull();
    expect(() => validateSsoCookieConfig({ name: "__Host-x", domain: "example.com" })).toThrow(TypeError);
    expect(() => validateSsoCookieConfig({ name: "bad name" })).toThrow(TypeError);
    expect(() => validateSsoCookieConfig({ name: "ok", domain: "example.com; Secure" })).toThrow(TypeError);
  });
});

describe("Origin check", () => {
  const allowed = ["https://app.example.com"];
  const req = (origin?: string) => new Request("https://app.example.com/api/my/sessions/revoke-all", { method: "POST", headers: origin ? { origin } : {} });
  it("allows listed origins, refuses others whatever the credential", () => {
    expect(() => assertAllowedOrigin(req("https://app.example.com"), allowed, "cookie")).not.toThrow();
    for (const credential of ["cookie", "bearer"] as const) {
      expect(() => assertAllowedOrigin(req("https://evil.example"), allowed, credential)).toThrow(ApiError);
      expect(() => assertAllowedOrigin(req("null"), allowed, credential)).toThrow(ApiError);
    }
  });
  it("missing Origin: refused for cookie sessions, allowed for bearer-only service calls", () => {
    expect(() => assertAllowedOrigin(req(), allowed, "cookie")).toThrow(ApiError);
    expect(() => assertAllowedOrigin(req(), allowed, "bearer")).not.toThrow();
  });
});
