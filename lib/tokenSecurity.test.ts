import { describe, expect, it, vi } from "vitest";
import {
  TOKEN_ERROR_MESSAGES,
  TOKEN_TYPES,
  TokenRateLimiter,
  checkJwtTimes,
  extractAndValidateToken,
  isValidEmail,
  logTokenSecurityEvent,
  processTokenSecurely,
  rateLimitIdentifier,
  redactUrl,
  type SecurityLogEntry,
  type TokenValidationResult,
} from "./tokenSecurity";

const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const now = () => NOW;
const HASH = "a".repeat(28) + "0123456789abcdef0123456789ab"; // 56 hex chars like GoTrue's sha224 token_hash

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
function jwt(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: "ES256", typ: "JWT" }): string {
  return `${b64url(header)}.${b64url(payload)}.${Buffer.from("sig-bytes-not-checked").toString("base64url")}`;
}
const nowS = Math.floor(NOW / 1000);

describe("extractAndValidateToken: sources and priority", () => {
  it("reads token_hash, email and type from searchParams (URLSearchParams)", () => {
    const r = extractAndValidateToken(new URLSearchParams({ token_hash: HASH, type: "invite", email: "A@Example.com" }), undefined, { now });
    expect(r).toEqual({ isValid: true, token: HASH, param: "token_hash", email: "a@example.com", type: "invite", source: "searchParams", errors: [] });
  });

  it("reads a Next page searchParams record", () => {
    const r = extractAndValidateToken({ token: "abcdefghij_KLMNOP-123", type: "signup" }, undefined, { now });
    expect(r.isValid).toBe(true);
    expect(r.param).toBe("token");
    expect(r.source).toBe("searchParams");
  });

  it("falls back to the URL query, then to the hash", () => {
    const q = extractAndValidateToken(null, `https://app.test/invite?token_hash=${HASH}&type=invite`, { now });
    expect([q.source, q.isValid]).toEqual(["urlParams", true]);
    const h = extractAndValidateToken(new URLSearchParams(), `https://app.test/invite#token_hash=${HASH}&type=invite`, { now });
    expect([h.source, h.isValid]).toEqual(["hashParams", true]);
  });

  it("prefers searchParams over URL and hash, and never mixes email/type across sources", () => {
    const r = extractAndValidateToken(
      new URLSearchParams({ token_hash: HASH }),
      `https://app.test/invite?token_hash=${"b".repeat(56)}&type=recovery#token_hash=${"c".repeat(56)}&email=x@y.zz`,
      { now },
    );
    expect(r.token).toBe(HASH);
    expect(r.source).toBe("searchParams");
    expect(r.type).toBeNull(); // type from the URL query is NOT borrowed
    expect(r.email).toBeNull();
  });

  it("inside one source prefers token_hash over token over code", () => {
    const r = extractAndValidateToken(new URLSearchParams({ code: "11111111-2222-3333-4444-555555555555", token: "opaque_token_1234", token_hash: HASH }), undefined, { now });
    expect(r.param).toBe("token_hash");
    const c = extractAndValidateToken(new URLSearchParams({ code: "11111111-2222-3333-4444-555555555555" }), undefined, { now });
    expect([c.param, c.isValid]).toEqual(["code", true]);
  });

  it("accepts pkce_ prefixed token hashes", () => {
    const r = extractAndValidateToken(new URLSearchParams({ token_hash: `pkce_${HASH}`, type: "recovery" }), undefined, { now });
    expect(r.isValid).toBe(true);
  });

  it("ignores access_token outside the fragment (a JWT in a query string is refused as missing)", () => {
    const token = jwt({ exp: nowS + 600, iat: nowS - 60 });
    const r = extractAndValidateToken(new URLSearchParams({ access_token: token }), `https://app.test/invite?access_token=${token}`, { now });
    expect(r.errors).toEqual(["missing_token"]);
    const h = extractAndValidateToken(null, `https://app.test/invite#access_token=${token}&type=invite`, { now });
    expect([h.isValid, h.param, h.type]).toEqual([true, "access_token", "invite"]);
  });

  it("honours allowedParams", () => {
    const r = extractAndValidateToken(new URLSearchParams({ code: "11111111-2222-3333-4444-555555555555" }), "https://a.test/x", { now, allowedParams: ["token_hash"] });
    expect(r.errors).toEqual(["missing_token"]);
  });

  it("reports missing_token when nothing carries a token, and tolerates an unparsable URL", () => {
    expect(extractAndValidateToken(undefined, "http://[::1", { now }).errors).toEqual(["missing_token"]);
    expect(extractAndValidateToken({}, "", { now }).errors).toEqual(["missing_token"]);
  });
});

describe("extractAndValidateToken: hostile tokens", () => {
  const bad: Array<[string, string, string]> = [
    ["too short (9)", "abcdefghi", "invalid_length"],
    ["6-digit OTP", "123456", "invalid_length"],
    ["2049 chars", "a".repeat(2049), "invalid_length"],
    ["1 MB", "a".repeat(1_000_000), "invalid_length"],
    ["whitespace", "abcdef ghijkl", "invalid_format"],
    ["null byte", "abcdefghij\u0000kl", "invalid_format"],
    ["newline (log injection)", "abcdefghijk\nFAKE LOG", "invalid_format"],
    ["html", "<script>alert(1)</script>", "invalid_format"],
    ["sql", "' OR 1=1 -- aaaaaa", "invalid_format"],
    ["path traversal", "../../../../etc/passwd", "invalid_format"],
    ["standard base64 + / =", "abc+def/ghi=", "invalid_format"],
    ["percent encoding", "abcdef%2Fghijk", "invalid_format"],
    ["cyrillic homoglyph", "аbcdefghijkl", "invalid_format"],
    ["fullwidth digits", "１２３４５６７８９０１", "invalid_format"],
    ["zero-width joiner", "abcdef\u200dghijk", "invalid_format"],
    ["four segments", "aaaa.bbbb.cccc.dddd", "invalid_format"],
    ["two segments", "aaaaaaaa.bbbbbbbb", "invalid_format"],
    ["jwt with non-json payload", "aaaaaaaa.bm90LWpzb24.cccc", "invalid_format"],
  ];
  it.each(bad)("%s → %s", (_name, token, code) => {
    const r = extractAndValidateToken(new URLSearchParams([["token", token]]), undefined, { now });
    expect(r.isValid).toBe(false);
    expect(r.errors).toContain(code);
    expect(r.token).toBeNull(); // an invalid token is never handed on
  });

  it("accepts exactly 10 and exactly 2048 characters", () => {
    expect(extractAndValidateToken({ token: "a".repeat(10) }, undefined, { now }).isValid).toBe(true);
    expect(extractAndValidateToken({ token: "a".repeat(2048) }, undefined, { now }).isValid).toBe(true);
  });

  it("refuses a repeated parameter with different values (token confusion)", () => {
    const r = extractAndValidateToken(new URLSearchParams([["token_hash", HASH], ["token_hash", "b".repeat(56)]]), undefined, { now });
    expect(r.errors).toEqual(["ambiguous_token"]);
    expect(r.token).toBeNull();
    // a Next record with an array value behaves the same
    expect(extractAndValidateToken({ token: [HASH, "b".repeat(56)] }, undefined, { now }).errors).toEqual(["ambiguous_token"]);
    // the same value twice is not ambiguous
    expect(extractAndValidateToken(new URLSearchParams([["token_hash", HASH], ["token_hash", HASH]]), undefined, { now }).isValid).toBe(true);
  });
});

describe("JWT time checks", () => {
  const check = (p: Record<string, unknown>) => extractAndValidateToken(null, `https://a.test/#access_token=${jwt(p)}`, { now }).errors;
  it("valid exp and fresh iat pass", () => expect(check({ exp: nowS + 60, iat: nowS - 3599 })).toEqual([]));
  it("expired", () => expect(check({ exp: nowS, iat: nowS - 10 })).toEqual(["token_expired"]));
  it("exp missing fails closed", () => expect(check({ iat: nowS })).toEqual(["token_expired"]));
  it("exp as a string fails closed", () => expect(check({ exp: String(nowS + 600), iat: nowS })).toEqual(["token_expired"]));
  it("iat older than 1 h", () => expect(check({ exp: nowS + 600, iat: nowS - 3601 })).toEqual(["token_too_old"]));
  it("iat missing fails closed", () => expect(check({ exp: nowS + 600 })).toEqual(["token_too_old"]));
  it("iat in the future beyond skew", () => expect(check({ exp: nowS + 6000, iat: nowS + 3600 })).toEqual(["invalid_format"]));
  it("payload that is an array / null", () => {
    expect(checkJwtTimes(`aaaa.${b64url([1, 2])}.bbbb`, NOW)).toBe("invalid_format");
    expect(checkJwtTimes(`aaaa.${b64url(null)}.bbbb`, NOW)).toBe("invalid_format");
  });
  it("payload with invalid UTF-8", () => {
    expect(checkJwtTimes(`aaaa.${Buffer.from([0xff, 0xfe, 0x7b]).toString("base64url")}.bbbb`, NOW)).toBe("invalid_format");
  });
});

describe("email and type", () => {
  it.each([
    ["person@example.com", true],
    ["first.last+tag@sub.example.co.uk", true],
    ["o'brien@example.ie", true],
    ["", false],
    ["plain", false],
    ["a@b", false],
    ["a@@b.com", false],
    ["a@b@c.com", false],
    [".a@b.com", false],
    ["a..b@b.com", false],
    ["a@-b.com", false],
    ["a@b.123", false],
    ['"quoted"@b.com', false],
    ["a b@c.com", false],
    ["a@b.com\r\nBcc: x@y.com", false],
    ["<script>@x.com", false],
    [`${"a".repeat(65)}@b.com`, false],
    [`a@${"b".repeat(250)}.com`, false],
    ["ünicode@b.com", false],
  ])("isValidEmail(%j) = %s", (email, ok) => expect(isValidEmail(email)).toBe(ok));

  it("refuses an invalid email next to a valid token", () => {
    const r = extractAndValidateToken({ token_hash: HASH, email: "not-an-email" }, undefined, { now });
    expect(r.errors).toEqual(["invalid_email"]);
    expect(r.email).toBeNull();
  });

  it("requireEmail / requireType", () => {
    expect(extractAndValidateToken({ token: HASH }, undefined, { now, requireEmail: true, requireType: true }).errors).toEqual(["missing_email", "missing_type"]);
  });

  it.each(TOKEN_TYPES)("accepts whitelisted type %s", (type) => {
    expect(extractAndValidateToken({ token_hash: HASH, type }, undefined, { now }).type).toBe(type);
  });

  it.each(["admin", "RECOVERY", "invite ", "sms", "phone_change", "__proto__", "constructor"])("refuses type %j", (type) => {
    expect(extractAndValidateToken({ token_hash: HASH, type }, undefined, { now }).errors).toEqual(["invalid_type"]);
  });

  it("restricts to allowedTypes for a page", () => {
    expect(extractAndValidateToken({ token_hash: HASH, type: "recovery" }, undefined, { now, allowedTypes: ["invite", "signup"] }).errors).toEqual(["invalid_type"]);
  });
});

describe("TokenRateLimiter", () => {
  it("allows 5 attempts per 15 minutes, sliding", () => {
    let t = 0;
    const limiter = new TokenRateLimiter({ now: () => t });
    for (let i = 0; i < 5; i++) {
      expect(limiter.isAllowed("email:a@b.co")).toBe(true);
      t += 60_000; // one per minute
    }
    expect(limiter.getRemainingAttempts("email:a@b.co")).toBe(0);
    expect(limiter.isAllowed("email:a@b.co")).toBe(false);
    // first attempt was at t=0; it leaves the window at 15 min
    expect(limiter.retryAfterMs("email:a@b.co")).toBe(15 * 60_000 - t);
    t = 15 * 60_000 - 1;
    expect(limiter.isAllowed("email:a@b.co")).toBe(false);
    t = 15 * 60_000 + 1;
    expect(limiter.isAllowed("email:a@b.co")).toBe(true); // one slot freed, not all
    expect(limiter.isAllowed("email:a@b.co")).toBe(false);
  });

  it("keeps identifiers independent and can reset one", () => {
    const limiter = new TokenRateLimiter({ maxAttempts: 1, now });
    expect(limiter.isAllowed("a")).toBe(true);
    expect(limiter.isAllowed("a")).toBe(false);
    expect(limiter.isAllowed("b")).toBe(true);
    limiter.reset("a");
    expect(limiter.isAllowed("a")).toBe(true);
  });

  it("bounds memory: at most maxEntries identifiers", () => {
    const limiter = new TokenRateLimiter({ maxEntries: 100, now });
    for (let i = 0; i < 10_000; i++) limiter.isAllowed(`id-${i}`);
    expect(limiter.size).toBe(100);
  });

  it("validates options when built", () => {
    expect(() => new TokenRateLimiter({ maxAttempts: 0 })).toThrow(TypeError);
    expect(() => new TokenRateLimiter({ windowMs: -1 })).toThrow(TypeError);
    expect(() => new TokenRateLimiter({ maxEntries: 1.5 })).toThrow(TypeError);
  });

  it("identifier is the email or an 8-char token prefix, never the whole token", () => {
    expect(rateLimitIdentifier({ email: "a@b.co", token: HASH })).toBe("email:a@b.co");
    expect(rateLimitIdentifier({ email: null, token: HASH })).toBe(`token:${HASH.slice(0, 8)}`);
  });
});

describe("redaction and logging", () => {
  it("strips query and hash from URLs", () => {
    expect(redactUrl(`https://app.test/invite?token=${HASH}&email=a@b.co#access_token=x`)).toBe("https://app.test/invite");
    expect(redactUrl("javascript:alert(1)")).toBeUndefined();
    expect(redactUrl("not a url")).toBeUndefined();
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it("log entries never contain the token or the email", () => {
    const entries: SecurityLogEntry[] = [];
    logTokenSecurityEvent(
      { operation: "invitation_processing", success: false, source: "searchParams", hasEmail: true, type: "invite", errorCode: "link_expired", url: `https://app.test/invite?token_hash=${HASH}&email=a@b.co` },
      (e) => entries.push(e),
      now,
    );
    const text = JSON.stringify(entries);
    expect(text).not.toContain(HASH);
    expect(text).not.toContain("a@b.co");
    expect(entries[0]).toMatchObject({ kind: "token_operation", url: "https://app.test/invite", timestamp: new Date(NOW).toISOString() });
  });
});

describe("processTokenSecurely", () => {
  const valid = (): TokenValidationResult => extractAndValidateToken({ token_hash: HASH, type: "invite", email: "p@example.com" }, undefined, { now });
  const setup = () => {
    const entries: SecurityLogEntry[] = [];
    return { entries, opts: { limiter: new TokenRateLimiter({ now }), sink: (e: SecurityLogEntry) => entries.push(e), now, url: `https://app.test/invite?token_hash=${HASH}` } };
  };

  it("calls fn with token, email, type and param, returns data, logs success", async () => {
    const { entries, opts } = setup();
    const fn = vi.fn(async () => ({ data: { ok: 1 }, error: null }));
    const r = await processTokenSecurely("invitation_processing", valid(), fn, opts);
    expect(r).toEqual({ success: true, data: { data: { ok: 1 }, error: null } });
    expect(fn).toHaveBeenCalledWith(HASH, "p@example.com", "invite", "token_hash");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ success: true, operation: "invitation_processing", hasEmail: true, type: "invite", url: "https://app.test/invite" });
    expect(JSON.stringify(entries)).not.toContain(HASH);
  });

  it("never calls fn for an invalid token", async () => {
    const { entries, opts } = setup();
    const fn = vi.fn(async () => 1);
    const r = await processTokenSecurely("x", extractAndValidateToken({ token: "<bad>" }, undefined, { now }), fn, opts);
    expect(fn).not.toHaveBeenCalled();
    expect(r).toMatchObject({ success: false, code: "invalid_length" });
    expect(entries[0]).toMatchObject({ success: false, errorCode: "invalid_length" });
  });

  it("rate limits the 6th attempt for one identifier and does not call fn", async () => {
    const { opts } = setup();
    const fn = vi.fn(async () => ({ error: { code: "otp_expired", message: "Token has expired or is invalid" } }));
    for (let i = 0; i < 5; i++) expect((await processTokenSecurely("x", valid(), fn, opts)).success).toBe(false);
    const sixth = await processTokenSecurely("x", valid(), fn, opts);
    expect(sixth).toMatchObject({ success: false, code: "rate_limited", error: TOKEN_ERROR_MESSAGES.rate_limited });
    expect(fn).toHaveBeenCalledTimes(5);
  });

  it("maps Supabase errors to standard codes without echoing the server message", async () => {
    const { opts } = setup();
    const expired = await processTokenSecurely("x", valid(), async () => ({ data: null, error: { code: "otp_expired", message: "SECRET DETAIL" } }), opts);
    expect(expired).toEqual({ success: false, code: "link_expired", error: TOKEN_ERROR_MESSAGES.link_expired });
    const limited = await processTokenSecurely("x", valid(), async () => ({ error: { code: "over_request_rate_limit" } }), opts);
    expect(limited).toMatchObject({ code: "rate_limited" });
    const other = await processTokenSecurely("x", valid(), async () => ({ error: { code: "unexpected_failure", message: "db at 10.0.0.1 down" } }), opts);
    expect(other).toMatchObject({ code: "processing_failed" });
    expect(JSON.stringify([expired, limited, other])).not.toMatch(/SECRET|10\.0\.0\.1/);
  });

  it("turns a thrown error into processing_failed without leaking it", async () => {
    const { entries, opts } = setup();
    const r = await processTokenSecurely("x", valid(), async () => { throw new Error(`boom ${HASH}`); }, opts);
    expect(r).toEqual({ success: false, code: "processing_failed", error: TOKEN_ERROR_MESSAGES.processing_failed });
    expect(JSON.stringify(entries)).not.toContain(HASH);
  });
});
