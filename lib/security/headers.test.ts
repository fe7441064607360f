import { describe, expect, it } from "vitest";
import { apiSecurityHeaders, pageSecurityHeaders, staticSecurityHeaders } from "./headers";

const asMap = (entries: { key: string; value: string }[]) => new Map(entries.map(({ key, value }) => [key.toLowerCase(), value]));

describe("static security headers", () => {
  it("sends the baseline everywhere and HSTS only in production", () => {
    const dev = asMap(staticSecurityHeaders({ production: false }));
    const prod = asMap(staticSecurityHeaders({ production: true }));
    for (const map of [dev, prod]) {
      expect(map.get("x-content-type-options")).toBe("nosniff");
      expect(map.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(map.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(map.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(map.get("x-frame-options")).toBe("DENY");
      expect(map.get("x-xss-protection")).toBe("0");
      for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) {
        expect(map.get("permissions-policy")?.split(", ")).toContain(`${feature}=()`);
      }
      expect(map.get("permissions-policy")).not.toContain("interest-cohort");
    }
    expect(dev.has("strict-transport-security")).toBe(false);
    expect(prod.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains; preload");
  });
});

describe("page security headers", () => {
  it.each(["/reset-password", "/invite", "/auth/confirm", "/invite/accept"])("token-bearing %s → no-referrer + no-store", (path) => {
    const map = asMap(pageSecurityHeaders(path));
    expect(map.get("referrer-policy")).toBe("no-referrer");
    expect(map.get("cache-control")).toContain("no-store");
  });

  it.each(["/account", "/admin", "/admin/security"])("authenticated %s → no-store", (path) => {
    const map = asMap(pageSecurityHeaders(path));
    expect(map.get("cache-control")).toContain("no-store");
    expect(map.has("referrer-policy")).toBe(false);
  });

  it.each(["/", "/login", "/accountant", "/invitees"])("other page %s → nothing extra", (path) => {
    expect(pageSecurityHeaders(path)).toEqual([]);
  });
});

describe("api security headers", () => {
  it("locks API responses down so they can never act as a document", () => {
    expect(asMap(apiSecurityHeaders()).get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });
});
