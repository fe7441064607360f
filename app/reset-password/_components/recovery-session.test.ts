import { describe, expect, it } from "vitest";
import { isRecoverySession } from "./recovery-session";

const NOW = 1_800_000_000_000;
const tok = (payload: unknown) => `x.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.y`;

describe("isRecoverySession", () => {
  it("accepts a fresh recovery or email-link (otp) amr", () => {
    expect(isRecoverySession(tok({ amr: [{ method: "recovery", timestamp: NOW / 1000 - 60 }] }), NOW)).toBe(true);
    expect(isRecoverySession(tok({ amr: [{ method: "otp", timestamp: NOW / 1000 - 60 }] }), NOW)).toBe(true);
  });
  it("refuses password sessions, stale recovery, older recovery under a newer method, junk", () => {
    expect(isRecoverySession(tok({ amr: [{ method: "password", timestamp: NOW / 1000 }] }), NOW)).toBe(false);
    expect(isRecoverySession(tok({ amr: [{ method: "recovery", timestamp: NOW / 1000 - 3601 }] }), NOW)).toBe(false);
    expect(isRecoverySession(tok({ amr: [{ method: "totp", timestamp: NOW / 1000 }, { method: "recovery", timestamp: NOW / 1000 }] }), NOW)).toBe(false);
    expect(isRecoverySession(tok({}), NOW)).toBe(false);
    expect(isRecoverySession("garbage", NOW)).toBe(false);
    expect(isRecoverySession(null, NOW)).toBe(false);
  });
});
