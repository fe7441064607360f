/**
 * The cross-subdomain SSO cookie (security-requirements.md): HttpOnly, Secure, SameSite=Lax, Domain = the configured
 * superdomain (host-only when unset), Path=/, Max-Age = remaining token life; cleared with the SAME attributes and
 * Max-Age=0. `__Secure-` names are supported (they require Secure, which is always set). `__Host-` is refused: it
 * forbids Domain, and this cookie exists to be shared (ASVS v5.0.0-3.3.3).
 */
export const MAX_COOKIE_BYTES = 4096; // ASVS v5.0.0-3.3.5

export interface SsoCookieConfig {
  name: string;
  domain?: string;
}

export function validateSsoCookieConfig(config: SsoCookieConfig): SsoCookieConfig {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.name)) throw new TypeError("invalid SSO cookie name");
  if (config.name.startsWith("__Host-")) throw new TypeError("__Host- cookies cannot carry a Domain; use __Secure-");
  if (config.domain !== undefined && !/^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(config.domain)) throw new TypeError("invalid SSO cookie domain");
  return config;
}

function serialize(config: SsoCookieConfig, value: string, maxAge: number): string {
  const parts = [`${config.name}=${value}`];
  if (config.domain) parts.push(`Domain=${config.domain}`);
  parts.push("Path=/", `Max-Age=${maxAge}`, "HttpOnly", "Secure", "SameSite=Lax");
  return parts.join("; ");
}

/** Set-Cookie value carrying `token` until it expires. Returns null when it cannot be set (expired, oversized). */
export function ssoCookie(config: SsoCookieConfig, token: string, exp: number, nowMs: number = Date.now()): string | null {
  const maxAge = Math.floor(exp - nowMs / 1000);
  if (maxAge <= 0 || !/^[A-Za-z0-9._-]+$/.test(token)) return null;
  const header = serialize(config, token, maxAge);
  return new TextEncoder().encode(`${config.name}=${token}`).length > MAX_COOKIE_BYTES ? null : header;
}

export function clearSsoCookie(config: SsoCookieConfig): string {
  return serialize(config, "", 0);
}
