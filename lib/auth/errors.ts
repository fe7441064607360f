/**
 * Closed set of authentication failure codes. Every code maps to the SAME public answer
 * (401 {"error":"invalid_token"}) except `blocked` (429) — see lib/api/errors.ts.
 * The code is for logs, audit details and tests, never for the client.
 */
export const AUTH_ERROR_CODES = [
  "missing_token",
  "malformed_header",
  "token_too_long",
  "token_in_query",
  "malformed_token",
  "duplicate_json_key",
  "invalid_utf8",
  "alg_not_allowed",
  "forbidden_header",
  "bad_kid",
  "bad_typ",
  "bad_claims",
  "signature_invalid",
  "key_not_found",
  "expired",
  "too_old",
  "not_yet_valid",
  "wrong_issuer",
  "wrong_audience",
  "wrong_role",
  "revoked",
  "session_not_found",
  "verifier_unavailable",
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  constructor(code: AuthErrorCode) {
    super(code);
    this.name = "AuthError";
    this.code = code;
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}
