import { describe, expect, it } from "vitest";
import {
  PASSWORD_MAX_BYTES,
  checkPassword,
  checkPasswordShape,
  estimateStrength,
  isCommonPassword,
  passwordBytes,
  passwordLength,
} from "./password-policy";

describe("password policy (ASVS 6.2)", () => {
  it("refuses fewer than 8 characters, accepts exactly 8", () => {
    expect(checkPasswordShape("7chars!")).toEqual(["too_short"]);
    expect(checkPasswordShape("8 chars!")).toEqual([]);
  });

  it("counts code points, not UTF-16 units (4 emoji are 4 characters)", () => {
    expect(passwordLength("😀😀😀😀")).toBe(4);
    expect(checkPasswordShape("😀😀😀😀")).toContain("too_short");
  });

  it("allows long passphrases up to 72 UTF-8 bytes and refuses byte 73 (bcrypt truncation)", () => {
    expect(checkPasswordShape("a".repeat(72))).toEqual([]);
    expect(checkPasswordShape("a".repeat(73))).toEqual(["too_long"]);
    // 36 × "é" = 72 bytes OK; 37 × "é" = 74 bytes refused although only 37 characters
    expect(passwordBytes("é".repeat(36))).toBe(PASSWORD_MAX_BYTES);
    expect(checkPasswordShape("é".repeat(36))).toEqual([]);
    expect(checkPasswordShape("é".repeat(37))).toEqual(["too_long"]);
    expect(checkPasswordShape("🔐".repeat(19))).toEqual(["too_long"]); // 76 bytes
  });

  it("has no composition rules: all lowercase letters and spaces are fine", () => {
    expect(checkPasswordShape("correct horse battery staple")).toEqual([]);
  });

  it("uses the password exactly as typed (whitespace is significant, nothing trimmed)", () => {
    expect(checkPasswordShape("       a")).toEqual([]);
    expect(checkPasswordShape(" abcdef ")).toEqual([]);
  });

  it("refuses the person's own email or mailbox name", () => {
    expect(checkPasswordShape("alice@example.com", { email: "Alice@Example.com" })).toEqual(["contains_email"]);
    expect(checkPasswordShape("ALICEBOB", { email: "alicebob@example.com" })).toEqual(["contains_email"]);
    expect(checkPasswordShape("alicebob is my friend", { email: "alicebob@example.com" })).toEqual([]);
  });

  it("refuses common passwords case-insensitively", async () => {
    for (const p of ["password", "PASSWORD", "12345678", "qwertyuiop", "iloveyou", "trustno1", "baseball"]) {
      expect(await isCommonPassword(p), p).toBe(true);
      expect((await checkPassword(p)).issues).toContain("common");
    }
  });

  it("accepts an uncommon passphrase", async () => {
    expect(await checkPassword("violet-tractor-moonlight-43")).toEqual({ ok: true, issues: [] });
  });

  it("reports several issues together", async () => {
    expect((await checkPassword("qwerty")).issues).toEqual(["too_short", "common"]);
  });
});

describe("strength meter (zxcvbn-ts)", () => {
  it("rates a common password very weak and a long passphrase strong", async () => {
    const weak = await estimateStrength("password1");
    expect(weak.score).toBeLessThanOrEqual(1);
    expect(weak.warning).toMatch(/commonly used/); // readable text, not a translation key
    const strong = await estimateStrength("violet-tractor-moonlight-43-harbour");
    expect(strong.score).toBeGreaterThanOrEqual(3);
    expect(strong.label).toMatch(/strong/i);
  });

  it("uses user inputs (the email) to lower the score", async () => {
    const without = await estimateStrength("zanzibarquokka");
    const withInput = await estimateStrength("zanzibarquokka", ["zanzibarquokka@example.com", "zanzibarquokka"]);
    expect(withInput.score).toBeLessThanOrEqual(without.score);
    expect(withInput.score).toBeLessThanOrEqual(1);
  });
});
