import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type FlattenedJWSInput, type JWTVerifyGetKey } from "jose";
import { AuthError, type AuthErrorCode } from "./errors";

/** Algorithms this verifier knows how to check. Anything else in configuration is a TypeError at build time. */
const SUPPORTED_ALGS = new Set(["ES256", "RS256", "PS256", "EdDSA", "HS256"]);
/** Header parameters that would let a token choose its own key (RFC 7515 §4.1.2–4.1.6): never honoured. */
const FORBIDDEN_HEADERS = ["jku", "x5u", "x5c", "jwk", "x5t", "x5t#S256"] as const;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9_-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DEFAULTS = {
  audience: "authenticated",
  // GoTrue issues 3600 s tokens; a little slack for clock skew between issuer and us.
  maxTokenAgeSeconds: 3600 + 60,
  clockToleranceSeconds: 5,
} as const;

export interface VerifierOptions {
  issuer: string;
  /** Allow-list, e.g. ["ES256", "RS256"]. HS256 only when `hs256Secret` is configured (legacy projects). */
  algorithms: readonly string[];
  /** Key resolver for asymmetric algorithms, normally `createRemoteJWKSet(...)`. */
  jwks?: JWTVerifyGetKey;
  hs256Secret?: string;
  audience?: string;
  maxTokenAgeSeconds?: number;
  clockToleranceSeconds?: number;
  now?: () => Date;
}

export interface VerifiedToken {
  sub: string;
  sessionId: string;
  role: "authenticated";
  aal: string;
  email: string | null;
  iat: number;
  exp: number;
  amr: unknown;
  appMetadata: Record<string, unknown>;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeSegment(segment: string): string {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(segment.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    throw new AuthError("malformed_token");
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AuthError("invalid_utf8");
  }
}

/** True when any JSON object in `json` (already known to be valid JSON) repeats a key. */
export function hasDuplicateKeys(json: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1];
        if (keys?.has(key)) return true;
        keys?.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return false;
}

function parseObject(segment: string): Record<string, unknown> {
  const text = decodeSegment(segment);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuthError("malformed_token");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new AuthError("malformed_token");
  if (hasDuplicateKeys(text)) throw new AuthError("duplicate_json_key");
  return value as Record<string, unknown>;
}

export interface UnverifiedParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * Structural checks that need no key: compact JWS with exactly three non-empty base64url segments (no padding),
 * strict UTF-8 JSON objects without duplicate keys, an allowed `alg`, no key-carrying headers, a sane `kid`.
 * Exported so callers can start the revocation lookup (keyed on the still-unverified session_id) in parallel with
 * the signature check — its answer is only used once the signature verified.
 */
export function preflight(token: string, algorithms: ReadonlySet<string>): UnverifiedParts {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new AuthError("malformed_token");
  const header = parseObject(parts[0]!);
  const payload = parseObject(parts[1]!);
  const alg = header.alg;
  if (typeof alg !== "string" || !algorithms.has(alg)) throw new AuthError("alg_not_allowed");
  if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new AuthError("forbidden_header");
  if ("kid" in header && (typeof header.kid !== "string" || !KID.test(header.kid))) throw new AuthError("bad_kid");
  if ("typ" in header && (typeof header.typ !== "string" || header.typ.toUpperCase() !== "JWT")) throw new AuthError("bad_typ");
  // We implement no JWS extensions: any `crit` (RFC 7515 §4.1.11) or `b64` (RFC 7797) is refused outright.
  if ("b64" in header || "crit" in header) throw new AuthError("forbidden_header");
  return { header, payload };
}

function mapJoseError(err: unknown): AuthErrorCode {
  if (err instanceof AuthError) return err.code;
  if (err instanceof joseErrors.JWTExpired) return err.claim === "iat" ? "too_old" : "expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return "wrong_issuer";
    if (err.claim === "aud") return "wrong_audience";
    if (err.claim === "iat") return err.reason === "check_failed" ? "too_old" : "bad_claims";
    if (err.claim === "nbf") return "not_yet_valid";
    return "bad_claims";
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "signature_invalid";
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) return "key_not_found";
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) return "alg_not_allowed";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return "verifier_unavailable";
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return "malformed_token";
  // Network errors from the JWKS fetch and anything unexpected: fail closed.
  return err instanceof joseErrors.JOSEError ? "malformed_token" : "verifier_unavailable";
}

/** Builds a verifier. Misconfiguration throws TypeError here, once; bad tokens throw AuthError per call. */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const algorithms = [...new Set(options.algorithms)];
  if (algorithms.length === 0) throw new TypeError("JWT algorithm allow-list is empty");
  for (const alg of algorithms) if (!SUPPORTED_ALGS.has(alg)) throw new TypeError(`unsupported JWT algorithm ${alg}`);
  const asymmetric = algorithms.filter((a) => a !== "HS256");
  if (algorithms.includes("HS256") && !options.hs256Secret) throw new TypeError("HS256 is allowed but no JWT secret is configured");
  if (asymmetric.length > 0 && !options.jwks) throw new TypeError("asymmetric algorithms need a JWKS");
  if (!options.issuer) throw new TypeError("issuer is required");
  const allowed = new Set(algorithms);
  const secret = options.hs256Secret ? new TextEncoder().encode(options.hs256Secret) : undefined;
  const jwks = options.jwks;
  const o = { ...DEFAULTS, ...stripUndefined(options) };

  // HS256 is checked ONLY against the configured secret and asymmetric algs ONLY against the JWKS:
  // a token cannot pick the key type (RS/ES → HS256 confusion with the public key as the HMAC secret).
  const getKey = async (header: JWTHeaderParameters, input: FlattenedJWSInput) => {
    if (header.alg === "HS256") {
      if (!secret) throw new AuthError("alg_not_allowed");
      return secret;
    }
    if (!jwks) throw new AuthError("alg_not_allowed");
    return jwks(header, input);
  };

  return async function verifyAccessToken(token: string): Promise<VerifiedToken> {
    preflight(token, allowed);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        issuer: o.issuer,
        audience: o.audience,
        requiredClaims: ["exp", "iat", "sub", "session_id", "role"],
        maxTokenAge: o.maxTokenAgeSeconds,
        clockTolerance: o.clockToleranceSeconds,
        currentDate: options.now?.(),
      }));
    } catch (err) {
      throw new AuthError(mapJoseError(err));
    }
    return toVerified(payload, o.maxTokenAgeSeconds);
  };
}

function toVerified(payload: JWTPayload, maxLifetime: number): VerifiedToken {
  const { sub, session_id: sessionId, role, aal, email, iat, exp } = payload as Record<string, unknown>;
  if (role !== "authenticated") throw new AuthError("wrong_role");
  if (typeof sub !== "string" || !UUID.test(sub)) throw new AuthError("bad_claims");
  if (typeof sessionId !== "string" || !UUID.test(sessionId)) throw new AuthError("bad_claims");
  if (typeof iat !== "number" || typeof exp !== "number" || exp <= iat || exp - iat > maxLifetime) throw new AuthError("bad_claims");
  if (aal !== undefined && aal !== "aal1" && aal !== "aal2") throw new AuthError("bad_claims");
  const appMetadata = payload.app_metadata;
  return {
    sub,
    sessionId,
    role,
    aal: typeof aal === "string" ? aal : "aal1",
    email: typeof email === "string" ? email : null,
    iat,
    exp,
    amr: payload.amr,
    appMetadata: typeof appMetadata === "object" && appMetadata !== null ? (appMetadata as Record<string, unknown>) : {},
  };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
