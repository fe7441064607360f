/**
 * Token security for email-link flows (seed 001): one way to extract and validate a link token,
 * one wrapper to process it (pre-validation → rate limit → call → standardised result → security log).
 *
 * Used by /invite (legacy and implicit link forms). Password reset deliberately does NOT extract
 * tokens by hand: it relies on Supabase auth events (seed 001's fix) and on /auth/confirm.
 *
 * Accepted token forms (decision, see docs/decisions.md):
 *  - `token_hash`: GoTrue's hex sha224 hash (56 hex chars) or `pkce_<hex>` — both are base64url-safe;
 *  - `token`:      the OTP / opaque token of GoTrue's `/verify?token=` links (base64url alphabet);
 *  - `code`:       the PKCE auth code (a UUID — hex and `-`, also base64url-safe);
 *  - `access_token` (hash only): an implicit-flow JWT — three base64url segments; `exp` must be in
 *    the future and `iat` no older than 1 h.
 * Everything else (spaces, `%00`, `<`, `+`, `/`, `=`, unicode look-alikes, 2 049+ chars) is refused
 * before any network call. Isomorphic: no Node or DOM-only API is needed except where guarded.
 */

export const TOKEN_TYPES = ["recovery", "signup", "invite", "magiclink", "email_change", "email"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const TOKEN_SOURCES = ["searchParams", "urlParams", "hashParams"] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

/** Parameter names that can carry a token, in the order they are looked for inside one source. */
export const TOKEN_PARAMS = ["token_hash", "token", "code", "access_token"] as const;
export type TokenParam = (typeof TOKEN_PARAMS)[number];

export const TOKEN_LIMITS = Object.freeze({
  minLength: 10,
  maxLength: 2048,
  /** Max age of a JWT token (now − iat), seconds. */
  maxJwtAgeSeconds: 60 * 60,
  /** Tolerated clock skew for iat in the future, seconds. */
  clockSkewSeconds: 60,
  maxEmailLength: 254,
});

/** Stable error codes (closed union). Messages for people are in TOKEN_ERROR_MESSAGES. */
export type TokenErrorCode =
  | "missing_token"
  | "ambiguous_token"
  | "invalid_length"
  | "invalid_format"
  | "token_expired"
  | "token_too_old"
  | "invalid_email"
  | "missing_email"
  | "invalid_type"
  | "missing_type"
  | "rate_limited"
  | "link_expired"
  | "processing_failed";

/**
 * What a person is told. Deliberately coarse: the page never says WHICH check failed in a way that helps
 * someone probe the format (all format problems read the same).
 */
export const TOKEN_ERROR_MESSAGES: Readonly<Record<TokenErrorCode, string>> = Object.freeze({
  missing_token: "This link is incomplete. Open the link from your email again, or ask for a new one.",
  ambiguous_token: "This link is not valid. Open the link from your email again, or ask for a new one.",
  invalid_length: "This link is not valid. Open the link from your email again, or ask for a new one.",
  invalid_format: "This link is not valid. Open the link from your email again, or ask for a new one.",
  token_expired: "This link has expired. Ask for a new one.",
  token_too_old: "This link has expired. Ask for a new one.",
  invalid_email: "This link is not valid. Open the link from your email again, or ask for a new one.",
  missing_email: "This link is incomplete. Open the link from your email again, or ask for a new one.",
  invalid_type: "This link is not valid. Open the link from your email again, or ask for a new one.",
  missing_type: "This link is incomplete. Open the link from your email again, or ask for a new one.",
  rate_limited: "Too many attempts. Please try again later.",
  link_expired: "This link has expired or has already been used. Ask for a new one.",
  processing_failed: "We could not complete this request. Please try again or ask for a new link.",
});

export interface TokenValidationResult {
  isValid: boolean;
  token: string | null;
  /** Which parameter carried the token. */
  param: TokenParam | null;
  email: string | null;
  type: TokenType | null;
  source: TokenSource | null;
  errors: TokenErrorCode[];
}

export interface ExtractOptions {
  /** Only these types are acceptable for this page (subset of TOKEN_TYPES). */
  allowedTypes?: readonly TokenType[];
  requireType?: boolean;
  requireEmail?: boolean;
  /** Only these parameters may carry the token on this page. Default: all of TOKEN_PARAMS. */
  allowedParams?: readonly TokenParam[];
  /** Clock for JWT checks (ms since epoch). */
  now?: () => number;
}

/** Anything that can be read like search params: URLSearchParams, Next's ReadonlyURLSearchParams, or a page's searchParams record. */
export type ParamsLike =
  | { getAll(name: string): string[] }
  | Record<string, string | string[] | undefined>
  | null
  | undefined;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// RFC 5322 dot-atom local part and RFC 1035 host names (no quoted strings, no IP literals, no comments).
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function getAll(params: ParamsLike, name: string): string[] {
  if (!params) return [];
  if (typeof (params as { getAll?: unknown }).getAll === "function") {
    return (params as { getAll(name: string): string[] }).getAll(name);
  }
  const value = (params as Record<string, string | string[] | undefined>)[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : typeof value === "string" ? [value] : [];
}

/** One distinct value, none, or "ambiguous" when a parameter is repeated with different values (token confusion). */
function single(params: ParamsLike, name: string): string | null | typeof AMBIGUOUS {
  const values = [...new Set(getAll(params, name))];
  if (values.length === 0) return null;
  if (values.length > 1) return AMBIGUOUS;
  return values[0] ?? null;
}
const AMBIGUOUS = Symbol("ambiguous");

export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > TOKEN_LIMITS.maxEmailLength) return false;
  const at = email.lastIndexOf("@");
  if (at <= 0 || at !== email.indexOf("@")) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2 || domain.length > 253) return false;
  if (!labels.every((l) => EMAIL_LABEL.test(l))) return false;
  // The TLD is never all-numeric.
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? "");
}

export function isTokenType(value: string): value is TokenType {
  return (TOKEN_TYPES as readonly string[]).includes(value);
}

function decodeBase64UrlJson(segment: string): unknown {
  const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

/**
 * Client-side JWT sanity checks (not a signature check — the server always verifies): `exp` must be a number
 * in the future, `iat` a number not in the future and not older than 1 h. Missing claims fail closed.
 */
export function checkJwtTimes(token: string, nowMs: number): TokenErrorCode | null {
  const parts = token.split(".");
  let payload: unknown;
  try {
    payload = decodeBase64UrlJson(parts[1] ?? "");
  } catch {
    return "invalid_format";
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return "invalid_format";
  const { exp, iat } = payload as { exp?: unknown; iat?: unknown };
  const now = Math.floor(nowMs / 1000);
  if (typeof exp !== "number" || !Number.isFinite(exp)) return "token_expired";
  if (exp <= now) return "token_expired";
  if (typeof iat !== "number" || !Number.isFinite(iat)) return "token_too_old";
  if (iat > now + TOKEN_LIMITS.clockSkewSeconds) return "invalid_format";
  if (now - iat > TOKEN_LIMITS.maxJwtAgeSeconds) return "token_too_old";
  return null;
}

function validateTokenValue(token: string, nowMs: number): TokenErrorCode | null {
  // Length first: never run a pattern over an unbounded string.
  if (token.length < TOKEN_LIMITS.minLength || token.length > TOKEN_LIMITS.maxLength) return "invalid_length";
  if (BASE64URL.test(token)) return null;
  if (JWT.test(token)) return checkJwtTimes(token, nowMs);
  return "invalid_format";
}

function readSources(searchParams: ParamsLike, url: string | URL | undefined): Array<[TokenSource, ParamsLike]> {
  let href: string | undefined = url === undefined ? undefined : String(url);
  if (href === undefined && typeof window !== "undefined" && window.location) href = window.location.href;
  let urlParams: URLSearchParams | null = null;
  let hashParams: URLSearchParams | null = null;
  if (href !== undefined) {
    try {
      const parsed = new URL(href, "http://invalid.invalid");
      urlParams = parsed.searchParams;
      hashParams = new URLSearchParams(parsed.hash.startsWith("#") ? parsed.hash.slice(1) : parsed.hash);
    } catch {
      // An unparsable URL contributes nothing.
    }
  }
  return [
    ["searchParams", searchParams],
    ["urlParams", urlParams],
    ["hashParams", hashParams],
  ];
}

/**
 * Find the token in searchParams → URL query → URL hash (first source holding any token parameter wins;
 * inside a source: token_hash, token, code, access_token) and validate it with the email and type that
 * travel in the SAME source (never mixed across sources).
 */
export function extractAndValidateToken(
  searchParams: ParamsLike,
  url?: string | URL,
  options: ExtractOptions = {},
): TokenValidationResult {
  const now = options.now ?? Date.now;
  const allowedParams = options.allowedParams ?? TOKEN_PARAMS;
  const result: TokenValidationResult = { isValid: false, token: null, param: null, email: null, type: null, source: null, errors: [] };

  for (const [source, params] of readSources(searchParams, url)) {
    for (const param of allowedParams) {
      // access_token is only ever legitimate in the fragment (implicit flow); in a query string it would be logged.
      if (param === "access_token" && source !== "hashParams") continue;
      const value = single(params, param);
      if (value === null) continue;
      result.source = source;
      result.param = param;
      if (value === AMBIGUOUS) {
        result.errors.push("ambiguous_token");
        return result;
      }
      result.token = value;
      const tokenError = validateTokenValue(value, now());
      if (tokenError) result.errors.push(tokenError);

      const email = single(params, "email");
      if (email === AMBIGUOUS) result.errors.push("invalid_email");
      else if (email !== null) {
        const trimmed = email.trim();
        if (isValidEmail(trimmed)) result.email = trimmed.toLowerCase();
        else result.errors.push("invalid_email");
      } else if (options.requireEmail) result.errors.push("missing_email");

      const type = single(params, "type");
      if (type === AMBIGUOUS) result.errors.push("invalid_type");
      else if (type !== null) {
        const allowed = options.allowedTypes ?? TOKEN_TYPES;
        if (isTokenType(type) && allowed.includes(type)) result.type = type;
        else result.errors.push("invalid_type");
      } else if (options.requireType) result.errors.push("missing_type");

      if (result.errors.length > 0) result.token = null; // never hand an invalid token onward
      result.isValid = result.errors.length === 0;
      return result;
    }
  }
  result.errors.push("missing_token");
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Rate limiting (client-side courtesy limit; the server-side limits live in middleware — issue 5).

export interface TokenRateLimiterOptions {
  maxAttempts?: number;
  windowMs?: number;
  /** Bound on tracked identifiers; the least recently used is evicted. */
  maxEntries?: number;
  now?: () => number;
}

const RATE_DEFAULTS = { maxAttempts: 5, windowMs: 15 * 60 * 1000, maxEntries: 1000 } as const;

/** Sliding window: at most `maxAttempts` attempts per identifier in any `windowMs`. */
export class TokenRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  private readonly maxAttempts: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TokenRateLimiterOptions = {}) {
    const o = { ...RATE_DEFAULTS, ...options };
    for (const key of ["maxAttempts", "windowMs", "maxEntries"] as const) {
      if (!Number.isInteger(o[key]) || o[key] <= 0) throw new TypeError(`TokenRateLimiter: ${key} must be a positive integer`);
    }
    this.maxAttempts = o.maxAttempts;
    this.windowMs = o.windowMs;
    this.maxEntries = o.maxEntries;
    this.now = options.now ?? Date.now;
  }

  private recent(identifier: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.attempts.get(identifier) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.attempts.delete(identifier);
    else this.attempts.set(identifier, list);
    return list;
  }

  /** Records an attempt when allowed; refused attempts are not recorded (they do not extend the block). */
  isAllowed(identifier: string): boolean {
    const list = this.recent(identifier);
    if (list.length >= this.maxAttempts) return false;
    list.push(this.now());
    this.attempts.delete(identifier); // move to the end (LRU order)
    this.attempts.set(identifier, list);
    while (this.attempts.size > this.maxEntries) {
      const oldest = this.attempts.keys().next().value;
      if (oldest === undefined) break;
      this.attempts.delete(oldest);
    }
    return true;
  }

  getRemainingAttempts(identifier: string): number {
    return Math.max(0, this.maxAttempts - this.recent(identifier).length);
  }

  /** Milliseconds until the next attempt is allowed (0 when one is allowed now). */
  retryAfterMs(identifier: string): number {
    const list = this.recent(identifier);
    if (list.length < this.maxAttempts) return 0;
    const oldest = list[list.length - this.maxAttempts] ?? this.now();
    return Math.max(0, oldest + this.windowMs - this.now());
  }

  reset(identifier: string): void {
    this.attempts.delete(identifier);
  }

  get size(): number {
    return this.attempts.size;
  }
}

export const tokenRateLimiter = new TokenRateLimiter();

/** Identifier for rate limiting: the email when known, else a short token prefix (never the whole token). */
export function rateLimitIdentifier(result: Pick<TokenValidationResult, "email" | "token">): string {
  if (result.email) return `email:${result.email}`;
  return `token:${(result.token ?? "").slice(0, 8)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Security logging

export interface SecurityLogEntry {
  kind: "token_operation";
  timestamp: string;
  operation: string;
  success: boolean;
  source: TokenSource | "auth_events" | "server" | null;
  hasEmail: boolean;
  type: TokenType | null;
  errorCode?: TokenErrorCode;
  /** Origin + path only: query and hash are stripped so no token can travel in a log line. */
  url?: string;
}

/** `https://app/invite?token=…#access_token=…` → `https://app/invite`. Unparsable input → undefined. */
export function redactUrl(url: string | URL | undefined | null): string | undefined {
  if (url === undefined || url === null) return undefined;
  try {
    const u = new URL(String(url));
    if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
    return `${u.origin}${u.pathname}`.slice(0, 512);
  } catch {
    return undefined;
  }
}

export type SecurityLogSink = (entry: SecurityLogEntry) => void;

export const SECURITY_EVENTS_ENDPOINT = "/api/security-events";

/** Default sink: POST to the app's /api/security-events (browser only, fire-and-forget, never throws). */
export const postSecurityEvent: SecurityLogSink = (entry) => {
  if (typeof window === "undefined" || typeof fetch !== "function") return;
  try {
    void fetch(SECURITY_EVENTS_ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(entry),
      keepalive: true,
      credentials: "same-origin",
    }).catch(() => undefined);
  } catch {
    // logging must never break the flow
  }
};

export function logTokenSecurityEvent(
  entry: Omit<SecurityLogEntry, "timestamp" | "kind" | "url"> & { url?: string | URL | null },
  sink: SecurityLogSink = postSecurityEvent,
  now: () => number = Date.now,
): SecurityLogEntry {
  const href = entry.url ?? (typeof window !== "undefined" ? window.location?.href : undefined);
  const safe: SecurityLogEntry = {
    kind: "token_operation",
    timestamp: new Date(now()).toISOString(),
    operation: entry.operation.slice(0, 64),
    success: entry.success,
    source: entry.source,
    hasEmail: entry.hasEmail,
    type: entry.type,
    ...(entry.errorCode ? { errorCode: entry.errorCode } : {}),
    ...(redactUrl(href) ? { url: redactUrl(href) } : {}),
  };
  sink(safe);
  return safe;
}

// ---------------------------------------------------------------------------------------------------------
// Processing wrapper

export type TokenProcessResult<T> =
  | { success: true; data: T }
  | { success: false; error: string; code: TokenErrorCode; retryAfterMs?: number };

export interface ProcessOptions {
  limiter?: TokenRateLimiter;
  sink?: SecurityLogSink;
  now?: () => number;
  url?: string | URL;
}

/** Supabase error codes that mean "this link is spent or too old". */
const EXPIRED_CODES = new Set(["otp_expired", "flow_state_expired", "flow_state_not_found", "bad_code_verifier", "otp_disabled"]);

function supabaseStyleError(value: unknown): { code?: string } | null {
  if (typeof value !== "object" || value === null || !("error" in value)) return null;
  const error = (value as { error: unknown }).error;
  if (error === null || error === undefined) return null;
  const code = typeof error === "object" && "code" in error ? (error as { code?: unknown }).code : undefined;
  return { code: typeof code === "string" ? code : undefined };
}

/**
 * Pre-validates, rate-limits, runs `fn`, and answers with a standardised result. `fn` may throw or return
 * a Supabase-style `{ data, error }` — both are failures. The error text never echoes server messages.
 */
export async function processTokenSecurely<T>(
  operation: string,
  tokenResult: TokenValidationResult,
  fn: (token: string, email: string | null, type: TokenType | null, param: TokenParam | null) => Promise<T>,
  options: ProcessOptions = {},
): Promise<TokenProcessResult<T>> {
  const limiter = options.limiter ?? tokenRateLimiter;
  const log = (success: boolean, errorCode?: TokenErrorCode) =>
    logTokenSecurityEvent(
      { operation, success, source: tokenResult.source, hasEmail: Boolean(tokenResult.email), type: tokenResult.type, errorCode, url: options.url },
      options.sink,
      options.now,
    );
  const fail = (code: TokenErrorCode, retryAfterMs?: number): TokenProcessResult<T> => {
    log(false, code);
    return { success: false, error: TOKEN_ERROR_MESSAGES[code], code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  };

  if (!tokenResult.isValid || tokenResult.token === null) return fail(tokenResult.errors[0] ?? "invalid_format");

  const identifier = rateLimitIdentifier(tokenResult);
  if (!limiter.isAllowed(identifier)) return fail("rate_limited", limiter.retryAfterMs(identifier));

  try {
    const data = await fn(tokenResult.token, tokenResult.email, tokenResult.type, tokenResult.param);
    const err = supabaseStyleError(data);
    if (err) {
      if (err.code && EXPIRED_CODES.has(err.code)) return fail("link_expired");
      if (err.code === "over_request_rate_limit" || err.code === "over_email_send_rate_limit") return fail("rate_limited");
      return fail("processing_failed");
    }
    log(true);
    return { success: true, data };
  } catch {
    return fail("processing_failed");
  }
}
