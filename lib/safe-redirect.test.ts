import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "@/lib/safe-redirect";

describe("safeRedirectPath", () => {
  it.each([
    ["/account", "/account"],
    ["/account?tab=sessions", "/account?tab=sessions"],
    ["/account#mfa", "/account#mfa"],
    ["/reset-password?x=1&y=%41", "/reset-password?x=1&y=%41"],
    ["/a/../account", "/account"],
  ])("keeps same-origin path %j", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });

  it.each([
    "//evil.com",
    "//evil.com/account",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "http:evil.com",
    "https:",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.com",
    "account",
    "",
    " /account",
    "/%2f%2fevil.com",
    "/%2F/evil.com",
    "/%5cevil.com",
    "/%5Cevil.com",
    "%2f%2fevil.com",
    "/\tevil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r\n/evil.com",
    "/\u0000/evil.com",
    "/%09/evil.com",
    "/%0d%0a/evil.com",
    "/\u00a0/evil.com",
    "/a/..//evil.com",
    "/..//evil.com",
    "/" + "a".repeat(3000),
  ])("refuses %j", (input) => {
    expect(safeRedirectPath(input)).toBe("/account");
  });

  it("refuses non-strings and uses the given fallback", () => {
    expect(safeRedirectPath(undefined, "/login")).toBe("/login");
    expect(safeRedirectPath(null)).toBe("/account");
    expect(safeRedirectPath(["/account"])).toBe("/account");
    expect(safeRedirectPath({ toString: () => "//evil.com" }, "/x")).toBe("/x");
  });

  it("never returns something a browser resolves to another origin", () => {
    const hostile = ["//x.test", "/\\x.test", "/%2f%2fx.test", "/..//x.test", "/.//x.test", "/./\\x.test"];
    for (const input of hostile) {
      const out = safeRedirectPath(input, "/account");
      expect(new URL(out, "https://app.example.com").origin).toBe("https://app.example.com");
    }
  });
});
