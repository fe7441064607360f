import { describe, expect, it } from "vitest";
import { isAllowedHost, parseAllowedHosts, untrustedHostResponse } from "./trusted-hosts";

describe("trusted hosts", () => {
  const patterns = parseAllowedHosts("app.example.com, *.mindroom.test, localhost:3000, [::1]:3000, 127.0.0.1");

  it.each([
    "app.example.com",
    "APP.Example.COM",
    "app.example.com:443",
    "app.example.com.",
    "a.mindroom.test",
    "deep.a.mindroom.test:8443",
    "localhost:3000",
    "[::1]:3000",
    "127.0.0.1:9999",
  ])("allows %s", (host) => {
    expect(isAllowedHost(host, patterns)).toBe(true);
  });

  it.each([
    null,
    "",
    "evil.com",
    "app.example.com.evil.com",
    "evilapp.example.com",
    "example.com",
    "mindroom.test",
    "evilmindroom.test",
    "localhost",
    "localhost:3001",
    "[::1]",
    "app.example.com:abc",
    "app.example.com:99999",
    "app.example.com@evil.com",
    "app.example.com/path",
    "app.example.com\\evil.com",
    "*.mindroom.test",
    "a..mindroom.test",
  ])("rejects %j", (host) => {
    expect(isAllowedHost(host, patterns)).toBe(false);
  });

  it("matches the apex only when it is listed too", () => {
    const withApex = parseAllowedHosts(["*.example.com", "example.com"]);
    expect(isAllowedHost("example.com", withApex)).toBe(true);
    expect(isAllowedHost("www.example.com", withApex)).toBe(true);
  });

  it("refuses malformed configuration when parsed", () => {
    expect(() => parseAllowedHosts("")).toThrow(TypeError);
    expect(() => parseAllowedHosts("*")).toThrow(TypeError);
    expect(() => parseAllowedHosts("exa mple.com")).toThrow(TypeError);
    expect(() => parseAllowedHosts("example.com:http")).toThrow(TypeError);
  });

  it("answers 400 in plain text without echoing the host", async () => {
    const response = untrustedHostResponse();
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("Bad Request\n");
  });
});
