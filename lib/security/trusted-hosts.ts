/**
 * Trusted-host check (Host header allow-list). A forged Host poisons absolute URLs (password-reset links, redirects,
 * cache keys), so every request whose Host is not on ALLOWED_HOSTS gets a plain 400 that does not echo the value.
 *
 * Patterns: `app.example.com` (exact), `app.example.com:8443` (exact host and port), `*.example.com` (any subdomain at
 * any depth, NOT the apex — list `example.com` separately). Without a port in the pattern any port matches.
 */

export type HostPattern = { wildcard: boolean; hostname: string; port: string | null };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

/** Parses ALLOWED_HOSTS once; a malformed pattern is a configuration error (TypeError), not a per-request one. */
export function parseAllowedHosts(list: string | readonly string[]): HostPattern[] {
  const items = (typeof list === "string" ? list.split(",") : [...list]).map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new TypeError("ALLOWED_HOSTS must list at least one host");
  return items.map((item) => {
    const wildcard = item.startsWith("*.");
    const parsed = splitHost(wildcard ? item.slice(2) : item);
    if (parsed === null) throw new TypeError(`ALLOWED_HOSTS: invalid host pattern ${JSON.stringify(item)}`);
    return { wildcard, ...parsed };
  });
}

/** True when the Host header value matches one of the patterns (case-insensitive, trailing dot ignored). */
export function isAllowedHost(hostHeader: string | null, patterns: readonly HostPattern[]): boolean {
  if (hostHeader === null) return false;
  const host = splitHost(hostHeader);
  if (host === null) return false;
  return patterns.some((pattern) => {
    if (pattern.port !== null && pattern.port !== host.port) return false;
    if (!pattern.wildcard) return host.hostname === pattern.hostname;
    return host.hostname.endsWith(`.${pattern.hostname}`);
  });
}

/** The 400 for an untrusted Host: plain text, no echo of the offending value, not cacheable. */
export function untrustedHostResponse(): Response {
  return new Response("Bad Request\n", {
    status: 400,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

function splitHost(value: string): { hostname: string; port: string | null } | null {
  const lower = value.trim().toLowerCase();
  if (lower.length === 0 || lower.length > 260) return null;
  let hostname: string;
  let port: string | null = null;
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    if (end === -1) return null;
    hostname = lower.slice(0, end + 1);
    const rest = lower.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return null;
      port = rest.slice(1);
    }
    if (!IPV6_LITERAL.test(hostname)) return null;
  } else {
    const colon = lower.indexOf(":");
    hostname = colon === -1 ? lower : lower.slice(0, colon);
    if (colon !== -1) port = lower.slice(colon + 1);
    if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
    if (!HOSTNAME.test(hostname)) return null;
  }
  if (port !== null && !/^\d{1,5}$/.test(port)) return null;
  if (port !== null && Number(port) > 65535) return null;
  return { hostname, port };
}
