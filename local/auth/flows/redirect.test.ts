import { describe, expect, it } from "vitest";
import { globToRegExp, isRedirectUrlValid, resolveRedirect } from "./redirect";

const policy = {
  siteUrl: "http://localhost:3000",
  uriAllowList: ["https://*.example.com/**", "https://app.example.org/callback", "myapp://auth/*"],
};

describe("redirect_to validation", () => {
  it("allows the site itself (any port on localhost)", () => {
    expect(isRedirectUrlValid(policy, "http://localhost:3000/reset?x=1")).toBe(true);
    expect(isRedirectUrlValid(policy, "http://localhost:4000/reset")).toBe(true);
    expect(isRedirectUrlValid(policy, "https://localhost:3000/reset")).toBe(false);
  });

  it("allows loopback IP literals but never decimal IPs", () => {
    expect(isRedirectUrlValid(policy, "http://127.0.0.1:9999/x")).toBe(true);
    expect(isRedirectUrlValid(policy, "http://[::1]:9999/x")).toBe(true);
    expect(isRedirectUrlValid(policy, "http://10.0.0.1/x")).toBe(false);
    expect(isRedirectUrlValid(policy, "http://2130706433/x")).toBe(false);
  });

  it("matches the allow list with gobwas glob semantics", () => {
    expect(isRedirectUrlValid(policy, "https://a.example.com/deep/path")).toBe(true);
    expect(isRedirectUrlValid(policy, "https://a.b.example.com/x")).toBe(false); // * stops at '.'
    expect(isRedirectUrlValid(policy, "https://example.com.evil.net/x")).toBe(false);
    expect(isRedirectUrlValid(policy, "https://app.example.org/callback")).toBe(true);
    expect(isRedirectUrlValid(policy, "https://app.example.org/callback/more")).toBe(false);
    expect(isRedirectUrlValid(policy, "https://app.example.org/callback#frag")).toBe(true);
    expect(isRedirectUrlValid(policy, "myapp://auth/done")).toBe(true);
    expect(isRedirectUrlValid(policy, "https://evil.net/")).toBe(false);
    expect(isRedirectUrlValid(policy, "javascript:alert(1)")).toBe(false);
    expect(isRedirectUrlValid(policy, "not a url")).toBe(false);
    expect(isRedirectUrlValid(policy, "")).toBe(false);
  });

  it("compiles alternatives, classes and escapes", () => {
    expect(globToRegExp("https://{a,b}.x.com").test("https://b.x.com")).toBe(true);
    expect(globToRegExp("https://{a,b}.x.com").test("https://c.x.com")).toBe(false);
    expect(globToRegExp("https://[ab]?.x.com").test("https://a1.x.com")).toBe(true);
    expect(globToRegExp("https://x.com/\\*").test("https://x.com/*")).toBe(true);
    expect(globToRegExp("https://x.com/\\*").test("https://x.com/a")).toBe(false);
  });

  it("falls back to Referer, then the site URL", () => {
    expect(resolveRedirect(policy, "https://evil.net/", "https://a.example.com/from")).toBe("https://a.example.com/from");
    expect(resolveRedirect(policy, "https://evil.net/", "https://evil.net/")).toBe("http://localhost:3000");
    expect(resolveRedirect(policy, undefined)).toBe("http://localhost:3000");
    expect(resolveRedirect(policy, "http://localhost:3000/r")).toBe("http://localhost:3000/r");
  });
});
