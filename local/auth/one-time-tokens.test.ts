import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateOtp, isOtpExpired, isOtpValid, tokenHash, withFlowPrefix } from "./one-time-tokens";

describe("one-time token primitives", () => {
  it("token_hash is lower-case hex sha224 of email + otp (GoTrue's GenerateTokenHash)", () => {
    const h = tokenHash("user@example.com", "123456");
    expect(h).toBe(createHash("sha224").update("user@example.com123456").digest("hex"));
    expect(h).toMatch(/^[0-9a-f]{56}$/);
    expect(tokenHash("user@example.com", "123457")).not.toBe(h);
  });

  it("OTPs are numeric with the requested length and vary", () => {
    const codes = new Set(Array.from({ length: 50 }, () => generateOtp(6)));
    for (const c of codes) expect(c).toMatch(/^\d{6}$/);
    expect(codes.size).toBeGreaterThan(40);
    expect(generateOtp(8)).toMatch(/^\d{8}$/);
  });

  it("PKCE tokens carry the pkce_ prefix", () => {
    expect(withFlowPrefix("abc", "pkce")).toBe("pkce_abc");
    expect(withFlowPrefix("abc", "implicit")).toBe("abc");
  });

  it("validity: exact or pkce_-prefixed match within the expiry window only", () => {
    const now = new Date();
    expect(isOtpValid("abc", "abc", now, 3600)).toBe(true);
    expect(isOtpValid("abc", "pkce_abc", now, 3600)).toBe(true);
    expect(isOtpValid("abd", "abc", now, 3600)).toBe(false);
    expect(isOtpValid("", "", now, 3600)).toBe(false);
    expect(isOtpValid("abc", "abc", null, 3600)).toBe(false);
    const old = new Date(Date.now() - 3601_000);
    expect(isOtpValid("abc", "abc", old, 3600)).toBe(false);
    expect(isOtpExpired(old, 3600)).toBe(true);
    expect(isOtpExpired(new Date(Date.now() - 3599_000), 3600)).toBe(false);
  });
});
