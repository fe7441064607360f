import { describe, expect, it } from "vitest";
import { buildCsp, createNonce, reportingEndpointsHeader } from "./csp";

const directives = (csp: string) =>
  new Map(csp.split(";").map((part) => {
    const [name = "", ...values] = part.trim().split(/\s+/);
    return [name, values] as const;
  }));

describe("csp", () => {
  const nonce = createNonce();

  it("creates 128-bit base64 nonces that differ per call", () => {
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(new Set(Array.from({ length: 100 }, createNonce)).size).toBe(100);
  });

  it("builds the production policy without unsafe-inline or unsafe-eval", () => {
    const csp = buildCsp({ nonce, development: false, upgradeInsecureRequests: true });
    const map = directives(csp);
    expect(map.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(map.get("style-src")).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(map.get("object-src")).toEqual(["'none'"]);
    expect(map.get("base-uri")).toEqual(["'none'"]);
    expect(map.get("frame-ancestors")).toEqual(["'none'"]);
    expect(map.get("form-action")).toEqual(["'self'"]);
    expect(map.get("default-src")).toEqual(["'none'"]);
    expect(map.get("connect-src")).toEqual(["'self'"]);
    expect(map.has("upgrade-insecure-requests")).toBe(true);
    expect(map.get("report-uri")).toEqual(["/api/security-events"]);
    expect(map.get("report-to")).toEqual(["csp-endpoint"]);
  });

  it("relaxes only what next dev needs in development", () => {
    const map = directives(buildCsp({ nonce, development: true }));
    expect(map.get("script-src")).toContain("'unsafe-eval'");
    expect(map.get("script-src")).not.toContain("'unsafe-inline'");
    expect(map.get("connect-src")).toEqual(["'self'", "ws:", "wss:"]);
    expect(map.has("upgrade-insecure-requests")).toBe(false);
  });

  it("adds configured connect-src origins", () => {
    const map = directives(buildCsp({ nonce, development: false, connectSrc: ["https://abc.supabase.co"] }));
    expect(map.get("connect-src")).toEqual(["'self'", "https://abc.supabase.co"]);
  });

  it("refuses a nonce that could break out of the header", () => {
    expect(() => buildCsp({ nonce: "abc'; script-src *", development: false })).toThrow(TypeError);
    expect(() => buildCsp({ nonce: "short", development: false })).toThrow(TypeError);
  });

  it("names the report endpoint for report-to", () => {
    expect(reportingEndpointsHeader()).toBe('csp-endpoint="/api/security-events"');
  });
});
