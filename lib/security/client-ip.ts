/**
 * Client IP derivation — only from headers a trusted proxy wrote.
 *
 * TRUSTED_PROXY_HOPS = N ≥ 1: N reverse proxies we operate sit in front of the app, each appending the address it saw
 * to X-Forwarded-For. Everything left of the Nth-from-right entry was written by the client and is ignored; the
 * Nth-from-right entry is the address the outermost trusted proxy saw. Fewer than N entries → no trusted address.
 *
 * TRUSTED_PROXY_HOPS = 0: no proxy; `next start` is the edge. The Edge middleware has no socket, and Next's own server
 * (next/dist/server/base-server.js) fills `x-forwarded-for` from the socket's remoteAddress ONLY when the request has
 * none (`??=`); a client-sent value is passed through unchanged. So at 0 hops we accept the header only when it holds
 * exactly one valid address (what Next writes); anything else → null. A directly connected client can still pre-set
 * a single value, which is why production must run behind a proxy with hops ≥ 1 (docs/security.md, "Rate limits").
 *
 * A null result is handled fail-closed by callers: they key on the shared "unknown" bucket, never skip the limit.
 */

const MAX_HEADER_LENGTH = 4096;
const MAX_ENTRIES = 64;

export type ClientIpOptions = { trustedProxyHops: number };

/** The client's IP address (normalized, not grouped), or null when no trusted address can be derived. */
export function clientIp(request: Request, options: ClientIpOptions): string | null {
  const hops = options.trustedProxyHops;
  if (!Number.isInteger(hops) || hops < 0) throw new TypeError("trustedProxyHops must be a non-negative integer");
  const header = request.headers.get("x-forwarded-for");
  if (header === null || header.length > MAX_HEADER_LENGTH) return null;
  // Several X-Forwarded-For header lines arrive joined with ", " (Headers.get), which is the right order to read them in.
  const entries = header.split(",").map((entry) => entry.trim());
  if (entries.length > MAX_ENTRIES) return null;
  if (hops === 0) return entries.length === 1 ? normalizeIp(entries[0] ?? "") : null;
  if (entries.length < hops) return null;
  return normalizeIp(entries[entries.length - hops] ?? "");
}

/** The key used for rate limits and blocks: IPv4 as is, IPv6 grouped by /64 (one customer usually owns a /64). */
export function ipKey(ip: string | null): string {
  if (ip === null) return "unknown";
  const normalized = normalizeIp(ip);
  if (normalized === null) return "unknown";
  if (!normalized.includes(":")) return normalized;
  const groups = parseIpv6(normalized);
  if (groups === null) return "unknown";
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}

/**
 * Normalizes an address as proxies write it: strips brackets, a trailing port, an IPv6 zone id, unmaps IPv4-mapped IPv6
 * (::ffff:a.b.c.d) to IPv4, and prints IPv6 in RFC 5952 form. Returns null for anything that is not an IP address.
 */
export function normalizeIp(raw: string): string | null {
  let value = raw.trim();
  if (value.length === 0 || value.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  if (bracketed) value = bracketed[1] ?? "";
  else if (/^[\d.]+:\d{1,5}$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  const zone = value.indexOf("%");
  if (zone !== -1) value = value.slice(0, zone);
  if (isIpv4(value)) return value;
  const groups = parseIpv6(value);
  if (groups === null) return null;
  const isMapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return formatIpv6(groups);
}

function isIpv4(value: string): boolean {
  const parts = value.split(".");
  // Leading zeros are refused: "010.0.0.1" is octal to some parsers and decimal to others.
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

function parseIpv6(value: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(value)) return null;
  const halves = value.split("::");
  if (halves.length > 2) return null;
  const parseHalf = (half: string): number[] | null => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        if (!isIpv4(part)) return null;
        const octets = part.split(".").map(Number);
        groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = parseHalf(halves[0] ?? "");
  const tail = halves.length === 2 ? parseHalf(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function formatIpv6(groups: number[]): string {
  // RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups compressed to "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
