import { AuthError } from "./errors";

/** RFC 6750 §2.1 caps nothing, we do: a Supabase access token is ~1 KB; 8 KB leaves room and bounds work. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

// token68 (RFC 9110 §11.2): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME = /^bearer$/i;

/**
 * Extracts the bearer credential from request headers, before any crypto or Redis work.
 * - exactly one Authorization value: `Headers` joins duplicates with ", " — a comma is never valid in
 *   token68, so duplicates are refused;
 * - scheme `Bearer`, case-insensitive, followed by exactly ONE space (RFC 6750 §2.1 `"Bearer" 1*SP b64token`
 *   allows more, but no client sends it and lenient splitting is where parser differentials live);
 * - the credential matches token68 and the header is at most 8 KB.
 * Throws AuthError("missing_token" | "token_too_long" | "malformed_header").
 */
export function parseBearer(headers: Headers): string {
  const value = headers.get("authorization");
  if (value === null || value === "") throw new AuthError("missing_token");
  if (value.length > MAX_AUTHORIZATION_LENGTH) throw new AuthError("token_too_long");
  const space = value.indexOf(" ");
  if (space <= 0) throw new AuthError("malformed_header");
  const scheme = value.slice(0, space);
  const token = value.slice(space + 1);
  if (!SCHEME.test(scheme)) throw new AuthError("malformed_header");
  if (!TOKEN68.test(token)) throw new AuthError("malformed_header");
  return token;
}

/** RFC 6750 §2.3 query-parameter tokens leak into logs and history: a request carrying one is refused outright. */
export function hasQueryToken(url: string): boolean {
  try {
    const params = new URL(url).searchParams;
    return params.has("access_token");
  } catch {
    return false;
  }
}
