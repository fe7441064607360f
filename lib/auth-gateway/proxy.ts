/**
 * The auth gateway: the browser's Supabase client uses the app's own origin, and `/auth/v1/*` is proxied here to the
 * upstream Supabase Auth. This is where rate limits, IP blocks, failure tracking and audit see logins, recovery and
 * MFA (hooks in ./hooks.ts); without it the browser would talk to Supabase directly and the app would see nothing.
 *
 * Written against Web Request/Response only, so tests call `proxyAuthRequest(new Request(...), options)` directly.
 *
 * What is forwarded:
 * - method, path below /auth/v1 (validated: plain segments only), query string, body (capped);
 * - request headers except hop-by-hop ones, Cookie, Host, Origin-independent proxy headers (X-Forwarded-*, Forwarded,
 *   X-Real-IP, …) and any client-sent Sb-Forwarded-For; the client IP we derived goes out as Sb-Forwarded-For;
 * - upstream status and body verbatim, and only the response headers clients rely on (RESPONSE_HEADERS).
 */
import type { GatewayContext, GatewayHooks, GatewayResult } from "@/lib/auth-gateway/hooks";

export const DEFAULTS = {
  /** GoTrue request bodies are small JSON documents; 64 KB is far above any legitimate one. */
  maxBodyBytes: 64 * 1024,
  /** Upstream answer deadline; the browser client would otherwise hang on a stuck upstream. */
  timeoutMs: 10_000,
  /** Error bodies are parsed for hooks only up to this size. */
  maxParseBytes: 256 * 1024,
} as const;

export type GatewayOptions = {
  /** Upstream Supabase project URL (origin), e.g. http://127.0.0.1:54321. */
  upstream: string;
  /** Client IP derived by the caller (lib/security/client-ip), or null. */
  ip: string | null;
  hooks?: GatewayHooks;
  /** Runs work after the response is sent; the route passes Next's `after`. Default: fire and forget. */
  schedule?: (task: () => Promise<void>) => void;
  maxBodyBytes?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Origins allowed to send state-changing (non-GET) requests. A browser always sends `Origin` on a POST; a foreign
   * one is refused with 403 before the body is read (cross-site forms could otherwise make visitors' browsers trigger
   * recovery/OTP mails and sign-ups from their IPs). `Origin: null` passes only with `Sec-Fetch-Site: same-origin`
   * (our no-referrer pages); no `Origin` at all is a non-browser client and passes. Unset: no check.
   */
  allowedOrigins?: readonly string[];
};

const PREFIX = "/auth/v1";

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
];

/** Never forwarded upstream: hop-by-hop, identity of the hop, spoofable client-IP headers, ambient credentials. */
const STRIPPED_REQUEST_HEADERS = new Set([
  ...HOP_BY_HOP,
  "host",
  "cookie",
  "content-length",
  "expect",
  "accept-encoding",
  "referer",
  "forwarded",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "x-cluster-client-ip",
  "sb-forwarded-for",
]);

/** The upstream response headers a Supabase client relies on; everything else (Set-Cookie, Server, CORS…) is dropped. */
const RESPONSE_HEADERS = [
  "content-type",
  "cache-control",
  "location",
  "x-supabase-api-version",
  "x-sb-error-code",
  "x-total-count",
  "link",
  "retry-after",
  "www-authenticate",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
];

const SAFE_SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/** A GoTrue-shaped JSON error (`X-Supabase-Api-Version: 2024-01-01` style): `{ code, error_code, msg }`. */
export function gatewayError(status: number, errorCode: string, msg: string, extraHeaders?: HeadersInit): Response {
  const headers = new Headers(extraHeaders);
  headers.set("content-type", "application/json");
  headers.set("cache-control", "no-store");
  headers.set("x-sb-error-code", errorCode);
  return new Response(JSON.stringify({ code: status, error_code: errorCode, msg }), { status, headers });
}

/** The upstream path for a request to `/auth/v1/...`, or null when it is not a plain, safe path. */
export function upstreamPath(requestUrl: URL): string | null {
  const pathname = requestUrl.pathname;
  if (pathname !== PREFIX && !pathname.startsWith(`${PREFIX}/`)) return null;
  const rest = pathname.slice(PREFIX.length);
  if (rest === "" || rest === "/") return null;
  const segments = rest.slice(1).split("/");
  // Plain segments only: no percent-encoding (an encoded "/" or ".." could be decoded again upstream), no dot segments.
  for (const segment of segments) {
    if (!SAFE_SEGMENT.test(segment) && !(segment === ".well-known")) return null;
  }
  if (segments.length > 8 || rest.length > 512) return null;
  return rest;
}

/**
 * Paths the browser never needs through the gateway. The admin API is for server code holding the secret key
 * (lib/supabase/admin talks to the upstream directly); exposing it on the app's origin only adds attack surface.
 */
function isBlockedPath(path: string): boolean {
  return path === "/admin" || path.startsWith("/admin/");
}

type BodyRead = { ok: true; bytes: Uint8Array | null } | { ok: false; response: Response };

async function readBodyCapped(request: Request, max: number): Promise<BodyRead> {
  const tooLarge = () => gatewayError(413, "request_too_large", "Request body too large");
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > max)) {
    return { ok: false, response: declared !== null && /^\d+$/.test(declared) ? tooLarge() : gatewayError(400, "bad_request", "Invalid Content-Length") };
  }
  if (!request.body) return { ok: true, bytes: null };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        return { ok: false, response: tooLarge() };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, response: gatewayError(400, "bad_request", "Could not read request body") };
  }
  if (total === 0) return { ok: true, bytes: null };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

function parseJson(bytes: Uint8Array | null, contentType: string | null): unknown {
  if (!bytes || bytes.byteLength === 0 || bytes.byteLength > DEFAULTS.maxParseBytes) return null;
  if (contentType && !/json/i.test(contentType)) return null;
  return parseAnyJson(bytes);
}

const CASE_COLLISION = Symbol("case collision");

/** A top-level object with lower-cased names (as Go matches them); CASE_COLLISION when two names differ only in case. */
function lowerCaseKeys(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const entries = new Map<string, unknown>();
  for (const [key, field] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (entries.has(lower)) return CASE_COLLISION;
    entries.set(lower, field);
  }
  return Object.fromEntries(entries);
}

function parseAnyJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

function upstreamRequestHeaders(request: Request, ip: string | null): Headers {
  const out = new Headers();
  // Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
  const connectionListed = new Set(
    (request.headers.get("connection") ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  request.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (STRIPPED_REQUEST_HEADERS.has(lower) || connectionListed.has(lower) || lower.startsWith("x-forwarded-")) return;
    out.set(name, value);
  });
  if (ip) out.set("sb-forwarded-for", ip);
  return out;
}

function errorCodeOf(status: number, headers: Headers, body: unknown): string | undefined {
  if (status < 400) return undefined;
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    if (typeof record.error_code === "string") return record.error_code;
    if (typeof record.error === "string") return record.error;
  }
  return headers.get("x-sb-error-code") ?? undefined;
}

async function runAfterHooks(hooks: GatewayHooks["afterProxy"], ctx: GatewayContext, result: GatewayResult): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(ctx, result);
    } catch {
      // After-hooks observe; they never change the response. Their owners log their own failures.
    }
  }
}

function originAllowed(request: Request, allowed: readonly string[]): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  if (origin === "null") return request.headers.get("sec-fetch-site") === "same-origin";
  return allowed.some((entry) => {
    try {
      return new URL(entry).origin === origin;
    } catch {
      return false;
    }
  });
}

/** Proxies one request to the upstream Supabase Auth. Never throws; every failure is a JSON error Response. */
export async function proxyAuthRequest(request: Request, options: GatewayOptions): Promise<Response> {
  const method = request.method.toUpperCase();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const doFetch = options.fetch ?? fetch;
  const schedule = options.schedule ?? ((task) => void task());
  const hooks = options.hooks ?? { beforeProxy: [], afterProxyBlocking: [], afterProxy: [] };

  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return gatewayError(400, "bad_request", "Invalid request URL");
  }
  const path = upstreamPath(url);
  if (path === null || isBlockedPath(path)) return gatewayError(404, "not_found", "Not found");

  if (method === "OPTIONS") {
    // Same-origin only: the gateway never grants CORS, so a preflight gets no Access-Control-* headers.
    return new Response(null, { status: 204, headers: { allow: "GET, POST, PUT, PATCH, DELETE, OPTIONS", "cache-control": "no-store" } });
  }
  if (!["GET", "POST", "PUT", "PATCH", "DELETE"].includes(method)) {
    // HEAD is refused rather than forwarded: some upstream handlers treat HEAD like GET, and GET /verify consumes tokens.
    return gatewayError(405, "method_not_allowed", "Method not allowed", { allow: "GET, POST, PUT, PATCH, DELETE, OPTIONS" });
  }

  if (method !== "GET" && options.allowedOrigins && !originAllowed(request, options.allowedOrigins)) {
    return gatewayError(403, "forbidden_origin", "Cross-site request refused");
  }

  const read: BodyRead = method === "GET" ? { ok: true, bytes: null } : await readBodyCapped(request, maxBodyBytes);
  if (!read.ok) return read.response;
  const bytes = read.bytes;

  // GoTrue decodes a request body as JSON whatever its Content-Type, ignores trailing data after the first value and
  // matches field names case-insensitively (Go's encoding/json). The hooks (account lockout, per-email limits,
  // password checks) must see what the upstream will act on: every body is read as JSON with top-level names lower-
  // cased, and what cannot be read the same way is refused (unparseable bodies, names that differ only in case).
  const body = bytes && bytes.byteLength <= DEFAULTS.maxParseBytes ? lowerCaseKeys(parseAnyJson(bytes)) : null;
  if (bytes && body === null) return gatewayError(400, "bad_json", "Could not parse request body as JSON");
  if (body === CASE_COLLISION) return gatewayError(400, "validation_failed", "Duplicate field names in request body");

  const ctx: GatewayContext = {
    request,
    path,
    searchParams: new URLSearchParams(url.search),
    method,
    body,
    ip: options.ip,
  };

  for (const hook of hooks.beforeProxy) {
    let shortCircuit: Response | undefined;
    try {
      shortCircuit = await hook(ctx);
    } catch {
      // Fail closed: a control that cannot decide must not let the request through.
      return gatewayError(503, "service_unavailable", "Service temporarily unavailable, try again shortly", { "retry-after": "5" });
    }
    if (shortCircuit) return shortCircuit;
  }

  const target = new URL(`${PREFIX}${path}${url.search}`, options.upstream);
  let upstream: Response;
  try {
    upstream = await doFetch(target, {
      method,
      headers: upstreamRequestHeaders(request, options.ip),
      body: bytes ? (bytes as BodyInit) : undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      cache: "no-store",
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const result: GatewayResult = timedOut ? { status: 504, errorCode: "upstream_timeout" } : { status: 502, errorCode: "upstream_unavailable" };
    schedule(() => runAfterHooks(hooks.afterProxy, ctx, result));
    return timedOut
      ? gatewayError(504, "upstream_timeout", "The authentication service did not answer in time")
      : gatewayError(502, "upstream_unavailable", "The authentication service is unavailable");
  }

  let responseBytes: Uint8Array;
  try {
    responseBytes = new Uint8Array(await upstream.arrayBuffer());
  } catch {
    const result: GatewayResult = { status: 502, errorCode: "upstream_unavailable" };
    schedule(() => runAfterHooks(hooks.afterProxy, ctx, result));
    return gatewayError(502, "upstream_unavailable", "The authentication service is unavailable");
  }

  const headers = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  // Auth responses carry tokens: never cacheable unless the upstream says otherwise (e.g. the JWKS).
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");

  const parsed = parseJson(responseBytes, upstream.headers.get("content-type"));
  const result: GatewayResult = { status: upstream.status, errorCode: errorCodeOf(upstream.status, upstream.headers, parsed), body: parsed ?? undefined };

  await runAfterHooks(hooks.afterProxyBlocking, ctx, result);
  if (hooks.afterProxy.length > 0) schedule(() => runAfterHooks(hooks.afterProxy, ctx, result));

  const nullBody = upstream.status === 204 || upstream.status === 304 || responseBytes.byteLength === 0;
  return new Response(nullBody ? null : (responseBytes as BodyInit), { status: upstream.status, statusText: upstream.statusText, headers });
}
