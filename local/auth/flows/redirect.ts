/**
 * redirect_to validation as GoTrue does it (utilities.GetReferrer / IsRedirectURLValid):
 * a redirect is accepted when it is on the site URL (same scheme + host, and same port unless the host is
 * loopback), or is a loopback IP literal, or matches a GOTRUE_URI_ALLOW_LIST glob (gobwas/glob with '.' and
 * '/' as separators: `*` stays within a label/segment, `**` crosses them). Anything else falls back to the
 * site URL.
 */

const DECIMAL_IP = /^[0-9]+$/;
const REGULAR_HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? "\\" + c : c;
}

/** Compile a gobwas-style glob (separators '.' and '/') to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let i = 0;
  const parse = (stopAt: string[]): string => {
    let out = "";
    while (i < pattern.length) {
      const c = pattern[i]!;
      if (stopAt.includes(c)) return out;
      i++;
      if (c === "\\" && i < pattern.length) {
        out += escapeRe(pattern[i]!);
        i++;
      } else if (c === "*") {
        if (pattern[i] === "*") {
          while (pattern[i] === "*") i++;
          out += ".*";
        } else {
          out += "[^./]*";
        }
      } else if (c === "?") {
        out += "[^./]";
      } else if (c === "[") {
        const end = pattern.indexOf("]", i);
        if (end === -1) {
          out += "\\[";
          continue;
        }
        let body = pattern.slice(i, end);
        i = end + 1;
        const negate = body.startsWith("!");
        if (negate) body = body.slice(1);
        const cls = body.replace(/[\\\]^]/g, (m) => "\\" + m);
        out += negate ? `[^${cls}./]` : `[${cls}]`;
      } else if (c === "{") {
        const alts: string[] = [];
        for (;;) {
          alts.push(parse([",", "}"]));
          const d = pattern[i];
          i++;
          if (d !== ",") break;
        }
        out += `(?:${alts.join("|")})`;
      } else {
        out += escapeRe(c);
      }
    }
    return out;
  };
  return new RegExp(`^${parse([])}$`);
}

function isLocalhost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

function isLoopbackIp(hostname: string): boolean | null {
  const h = hostname.replace(/^\[|\]$/g, "");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return h.startsWith("127.");
  if (h.includes(":")) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return null;
}

export type RedirectPolicy = { siteUrl: string; uriAllowList: string[] };

const compiled = new Map<string, RegExp>();
function globFor(p: string): RegExp {
  let re = compiled.get(p);
  if (!re) {
    re = globToRegExp(p);
    compiled.set(p, re);
  }
  return re;
}

export function isRedirectUrlValid(policy: RedirectPolicy, redirectUrl: string | null | undefined): boolean {
  if (!redirectUrl || typeof redirectUrl !== "string") return false;
  let base: URL;
  let ref: URL;
  try {
    base = new URL(policy.siteUrl);
    ref = new URL(redirectUrl);
  } catch {
    return false;
  }
  if (
    base.hostname === ref.hostname &&
    base.protocol === ref.protocol &&
    (base.port === ref.port || isLocalhost(ref.hostname))
  ) {
    return true;
  }
  const scheme = ref.protocol.replace(/:$/, "").toLowerCase();
  const isHttp = scheme === "http" || scheme === "https";
  const host = ref.hostname;
  // WHATWG URL turns http://2130706433/ into 127.0.0.1; GoTrue refuses decimal IP hosts, so look at the raw text
  const rawHost = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]*)/i.exec(redirectUrl)?.[1] ?? host;
  if (DECIMAL_IP.test(host) || DECIMAL_IP.test(rawHost)) return false;
  const loop = isLoopbackIp(host);
  if (loop !== null) return loop;
  if (isHttp && !REGULAR_HOSTNAME.test(host)) return false;
  const matchAgainst = redirectUrl.split("#", 1)[0]!;
  return policy.uriAllowList.some((p) => globFor(p).test(matchAgainst));
}

/** GoTrue's GetReferrer: the requested redirect when valid, else the Referer header when valid, else the site URL. */
export function resolveRedirect(policy: RedirectPolicy, requested: string | null | undefined, referer?: string | null): string {
  if (isRedirectUrlValid(policy, requested)) return requested as string;
  if (isRedirectUrlValid(policy, referer)) return referer as string;
  return policy.siteUrl;
}
