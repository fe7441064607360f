import { describe, expect, it } from "vitest";
import { confirmDestination, isCompromisedReport, toSameOriginPath } from "./destination";
import { isSameOriginPost } from "./verify/same-origin";

const SITE = "http://localhost:3000";

describe("confirmDestination", () => {
  it("defaults per type", () => {
    expect(confirmDestination("recovery", null, SITE)).toBe("/reset-password");
    expect(confirmDestination("invite", undefined, SITE)).toBe("/invite?step=set-password");
    expect(confirmDestination("signup", "", SITE)).toBe("/account");
    expect(confirmDestination("email", null, SITE)).toBe("/account");
    expect(confirmDestination("email_change", null, SITE)).toBe("/account");
  });

  it("reduces a same-origin absolute next to its path", () => {
    expect(confirmDestination("recovery", `${SITE}/reset-password?compromised=1`, SITE)).toBe("/reset-password?compromised=1");
    expect(confirmDestination("magiclink", `${SITE}/account?tab=sessions`, SITE)).toBe("/account?tab=sessions");
  });

  it("treats GoTrue's site-root redirect as the default", () => {
    expect(confirmDestination("recovery", SITE, SITE)).toBe("/reset-password");
    expect(confirmDestination("signup", `${SITE}/`, SITE)).toBe("/account");
  });

  it.each([
    "https://evil.example/reset-password",
    "//evil.example/reset-password",
    "/\\evil.example",
    "javascript:alert(1)",
    "http://localhost:3000.evil.example/reset-password",
    "/%2F%2Fevil.example",
  ])("refuses open redirect %s", (next) => {
    expect(confirmDestination("signup", next, SITE)).toBe("/account");
    expect(confirmDestination("recovery", next, SITE)).toBe("/reset-password");
  });

  it("keeps recovery and invite links inside their journey", () => {
    expect(confirmDestination("recovery", "/account", SITE)).toBe("/reset-password");
    expect(confirmDestination("recovery", "/reset-password-evil", SITE)).toBe("/reset-password");
    expect(confirmDestination("invite", "/admin", SITE)).toBe("/invite?step=set-password");
    expect(confirmDestination("invite", "/invite?step=set-password&org=1", SITE)).toBe("/invite?step=set-password&org=1");
  });

  it("toSameOriginPath", () => {
    expect(toSameOriginPath("not a url", SITE)).toBeNull();
    expect(toSameOriginPath("http://127.0.0.1:3000/x", SITE)).toBeNull();
  });

  it("flags the compromised journey only for recovery", () => {
    expect(isCompromisedReport("recovery", "/reset-password?compromised=1")).toBe(true);
    expect(isCompromisedReport("recovery", "/reset-password")).toBe(false);
    expect(isCompromisedReport("recovery", "/reset-password?compromised=0")).toBe(false);
    expect(isCompromisedReport("signup", "/account?compromised=1")).toBe(false);
  });
});

describe("isSameOriginPost", () => {
  const req = (headers: Record<string, string>) => new Request(`${SITE}/auth/confirm/verify`, { method: "POST", headers });
  it("accepts our origin and refuses others", () => {
    expect(isSameOriginPost(req({ origin: SITE }), [SITE])).toBe(true);
    expect(isSameOriginPost(req({ origin: "https://evil.example" }), [SITE])).toBe(false);
  });
  it("accepts Origin: null only with Sec-Fetch-Site: same-origin (no-referrer pages)", () => {
    expect(isSameOriginPost(req({ origin: "null", "sec-fetch-site": "same-origin" }), [SITE])).toBe(true);
    expect(isSameOriginPost(req({ origin: "null", "sec-fetch-site": "cross-site" }), [SITE])).toBe(false);
    expect(isSameOriginPost(req({ origin: "null" }), [SITE])).toBe(false);
    expect(isSameOriginPost(req({}), [SITE])).toBe(false);
  });
});
