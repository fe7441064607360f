import { describe, expect, it } from "vitest";
import { parseSecurityEvents } from "./parse";

const base = { ip: "203.0.113.9", userAgent: "UA" };
const HASH = "f".repeat(56);

describe("parseSecurityEvents", () => {
  it("maps a tokenSecurity log entry and strips URL query/hash", () => {
    const body = { kind: "token_operation", timestamp: new Date().toISOString(), operation: "invitation_processing", success: false, source: "searchParams", hasEmail: true, type: "invite", errorCode: "invalid_format", url: `https://app.test/invite?token_hash=${HASH}#x` };
    const r = parseSecurityEvents("application/json; charset=utf-8", JSON.stringify(body), base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.events[0]).toMatchObject({ event: "input_validation_fail", outcome: "failure", target: "https://app.test/invite", ip: "203.0.113.9" });
    expect(JSON.stringify(r.events)).not.toContain(HASH);
  });

  it("rate_limited → excess_rate_limit_exceeded; success → sys_monitor", () => {
    const mk = (extra: object) => JSON.stringify({ kind: "token_operation", operation: "x", success: false, source: null, hasEmail: false, type: null, ...extra });
    const a = parseSecurityEvents("application/json", mk({ errorCode: "rate_limited" }), base);
    const b = parseSecurityEvents("application/json", mk({ success: true }), base);
    expect(a.ok && a.events[0]?.event).toBe("excess_rate_limit_exceeded");
    expect(b.ok && b.events[0]).toMatchObject({ event: "sys_monitor", outcome: "success" });
  });

  it("legacy CSP report → malicious_csp_violation with redacted URIs", () => {
    const report = { "csp-report": { "document-uri": `https://app.test/reset-password?code=${HASH}`, "blocked-uri": "https://evil.example/x.js?y=1", "violated-directive": "script-src-elem", "source-file": "https://app.test/_next/a.js" } };
    const r = parseSecurityEvents("application/csp-report", JSON.stringify(report), base);
    expect(r.ok && r.events[0]).toMatchObject({ event: "malicious_csp_violation", target: "https://app.test/reset-password", details: { blocked: "https://evil.example/x.js", directive: "script-src-elem" } });
    expect(JSON.stringify(r)).not.toContain(HASH);
  });

  it("Reporting API list: only csp-violation entries are recorded; inline keyword kept", () => {
    const list = [
      { type: "csp-violation", url: "https://app.test/login", body: { documentURL: "https://app.test/login", blockedURL: "inline", effectiveDirective: "script-src-elem", disposition: "enforce" } },
      { type: "deprecation", body: { id: "x" } },
    ];
    const r = parseSecurityEvents("application/reports+json", JSON.stringify(list), base);
    expect(r.ok && r.events).toHaveLength(1);
    expect(r.ok && r.events[0]?.details).toMatchObject({ blocked: "inline", directive: "script-src-elem" });
  });

  it.each([
    ["application/json", "{not json"],
    ["application/json", JSON.stringify({ kind: "token_operation" })],
    ["application/json", JSON.stringify({ kind: "token_operation", operation: "DROP TABLE;", success: true, source: null, hasEmail: false, type: null })],
    ["application/json", JSON.stringify({ kind: "token_operation", operation: "x", success: true, source: null, hasEmail: false, type: "admin" })],
    ["application/json", JSON.stringify({ kind: "token_operation", operation: "x", success: true, source: null, hasEmail: false, type: null, token: HASH })],
    ["application/csp-report", JSON.stringify({ nope: 1 })],
    ["application/reports+json", JSON.stringify(Array.from({ length: 21 }, () => ({ type: "csp-violation", body: {} })))],
  ])("refuses %s %s with 400", (ct, body) => {
    expect(parseSecurityEvents(ct, body, base)).toMatchObject({ ok: false, status: 400 });
  });

  it("refuses other content types with 415", () => {
    expect(parseSecurityEvents("text/plain", "{}", base)).toMatchObject({ ok: false, status: 415 });
    expect(parseSecurityEvents("", "{}", base)).toMatchObject({ ok: false, status: 415 });
  });
});
