/**
 * The shared context every route module receives, plus request helpers (JSON body parsing with GoTrue's
 * errors, API-key gateway mapping, bearer authentication, admin checks, client IP / user agent).
 */
import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { Context } from "hono";
import type { Pool } from "pg";
import type { JWTPayload } from "jose";
import type { AuthConfig } from "./config";
import type { KeyStore } from "./keys";
import type { Limiters } from "./rate-limit";
import { HttpError, badRequest, forbidden, unauthorized } from "./errors";
import { loadUserById, type UserRecord } from "./users";

export interface ApiKeys {
  publishableKey: string;
  secretKey: string;
  /** legacy anon JWT (role anon) */
  anonKey: string;
  /** legacy service_role JWT */
  serviceRoleKey: string;
}

export interface AuthContext {
  config: AuthConfig;
  db: Pool;
  keys: KeyStore;
  /** external base URL, e.g. http://127.0.0.1:54321 */
  url: string;
  /** `${url}/auth/v1` unless GOTRUE_JWT_ISSUER — the `iss` of every access token */
  issuer: string;
  /** GoTrue's API_EXTERNAL_URL: base for links into this server, e.g. `${url}/auth/v1/verify` */
  apiExternalUrl: string;
  apiKeys: ApiKeys;
  smtp: { host: string; port: number };
  limiters: Limiters;
  /** directory for persistent local data (keys) */
  dataDir: string;
  log: (line: string) => void;
}

export interface AccessClaims extends JWTPayload {
  sub?: string;
  role?: string;
  aal?: string;
  amr?: { method: string; timestamp: number }[];
  session_id?: string;
  email?: string;
  phone?: string;
  is_anonymous?: boolean;
}

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  updated_at: Date;
  factor_id: string | null;
  aal: string | null;
  not_after: Date | null;
  refreshed_at: Date | null;
  user_agent: string | null;
  ip: string | null;
  tag: string | null;
}

export interface AuthenticatedRequest {
  token: string;
  claims: AccessClaims;
  user: UserRecord;
  session: SessionRow | null;
}

type Body = Record<string, unknown>;

const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value; stops counting past the limit. */
function jsonDepth(v: unknown, depth: number): number {
  if (depth > MAX_JSON_DEPTH || v === null || typeof v !== "object") return depth;
  let max = depth + 1;
  for (const child of Array.isArray(v) ? v : Object.values(v)) {
    max = Math.max(max, jsonDepth(child, depth + 1));
    if (max > MAX_JSON_DEPTH) break;
  }
  return max;
}

/**
 * Parses the JSON request body like GoTrue: body over the limit → 413 request_entity_too_large, unparsable
 * or not an object → 400 bad_json. An empty body yields `{}` when `allowEmpty` (GoTrue tolerates it on some
 * endpoints); otherwise bad_json.
 */
export async function readJson(c: Context, ctx: AuthContext, opts: { allowEmpty?: boolean } = {}): Promise<Body> {
  const len = Number(c.req.header("content-length") ?? "0");
  if (len > ctx.config.maxBodyBytes) {
    throw new HttpError(413, "request_entity_too_large", `Request body too large (max ${ctx.config.maxBodyBytes} bytes)`);
  }
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > ctx.config.maxBodyBytes) {
    throw new HttpError(413, "request_entity_too_large", `Request body too large (max ${ctx.config.maxBodyBytes} bytes)`);
  }
  const text = new TextDecoder().decode(buf);
  if (text.trim() === "") {
    if (opts.allowEmpty) return {};
    throw badRequest("bad_json", "Could not parse request body as JSON: unexpected end of JSON input");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("bad_json", "Could not parse request body as JSON: invalid character in JSON input");
  }
  if (parsed === null) return {};
  if (jsonDepth(parsed, 0) > MAX_JSON_DEPTH) {
    throw badRequest("bad_json", "Could not parse request body as JSON: exceeded max depth");
  }
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw badRequest("bad_json", "Could not parse request body as JSON: json: cannot unmarshal into Go value of type object");
  }
  return parsed as Body;
}

function typeError(field: string, expected: string, value: unknown): HttpError {
  const got = Array.isArray(value) ? "array" : typeof value;
  return badRequest("bad_json", `Could not parse request body as JSON: json: cannot unmarshal ${got} into Go struct field .${field} of type ${expected}`);
}

/** Optional string field; wrong type → 400 bad_json (as Go's decoder would). */
export function optString(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeError(field, "string", v);
  return v;
}

export function optBool(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw typeError(field, "bool", v);
  return v;
}

export function optObject(body: Body, field: string): Record<string, unknown> | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw typeError(field, "map[string]interface {}", v);
  return v as Record<string, unknown>;
}

/** The client IP GoTrue records: a valid leftmost Sb-Forwarded-For, else the first valid X-Forwarded-For entry, else the socket. */
export function clientIp(c: Context): string | null {
  const sbff = c.req.header("sb-forwarded-for")?.split(",", 1)[0]!.trim();
  if (sbff && isIP(sbff)) return sbff;
  const xff = c.req.header("x-forwarded-for");
  if (xff) {
    for (const part of xff.split(",")) {
      const ip = part.trim();
      if (isIP(ip)) return ip;
    }
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const addr = incoming?.socket?.remoteAddress;
  if (addr) {
    const plain = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
    if (isIP(plain)) return plain;
  }
  return null;
}

export function userAgent(c: Context): string | null {
  return c.req.header("user-agent") ?? null;
}

/**
 * The bearer token GoTrue would receive behind Supabase's API gateway: a JWT in Authorization is passed
 * through; `sb_publishable_…`/`sb_secret_…` (in Authorization or apikey) become the anon / service_role JWT.
 */
export function bearerToken(c: Context, ctx: AuthContext): string | null {
  const auth = c.req.header("authorization");
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (m && !m[1]!.startsWith("sb_")) return m[1]!;
  // like the gateway: a project key maps to its role JWT, the apikey header deciding when both are sent
  const apikey = c.req.header("apikey");
  const key = apikey?.startsWith("sb_") ? apikey : m ? m[1]! : null;
  if (!key) return null;
  if (sameKey(key, ctx.apiKeys.secretKey)) return ctx.apiKeys.serviceRoleKey;
  if (sameKey(key, ctx.apiKeys.publishableKey)) return ctx.apiKeys.anonKey;
  throw new HttpError(401, "", "Invalid API key", { hint: "Double check your Supabase `anon` or `service_role` API key." });
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Verify a JWT with the server's keys → claims, or 403 bad_jwt. */
export async function verifyJwt(ctx: AuthContext, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await ctx.keys.verify(token);
    return payload as AccessClaims;
  } catch (err) {
    const reason = (err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "token has invalid claims: token is expired" : (err as Error).message;
    throw forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: unknown): s is string => typeof s === "string" && UUID_RE.test(s);

/** GoTrue's requireAuthentication: bearer → verified claims → user → session → not banned. */
export async function requireAuth(c: Context, ctx: AuthContext): Promise<AuthenticatedRequest> {
  const token = bearerToken(c, ctx);
  if (!token) throw unauthorized("no_authorization", "This endpoint requires a valid Bearer token");
  const claims = await verifyJwt(ctx, token);
  if (!claims.sub) throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!isUuid(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  let sessionId: string | null = null;
  if (claims.session_id !== undefined && claims.session_id !== "") {
    if (!isUuid(claims.session_id)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
    sessionId = claims.session_id;
  }
  const { user, session } = await loadUserById(ctx.db, claims.sub, sessionId);
  if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  if (sessionId && !session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
  if (user.banned_until && user.banned_until.getTime() > Date.now()) throw forbidden("user_banned", "User is banned");
  return { token, claims, user, session };
}

/** GoTrue's requireAdminCredentials: a bearer whose role is one of GOTRUE_JWT_ADMIN_ROLES. */
export async function requireAdmin(c: Context, ctx: AuthContext): Promise<AccessClaims> {
  const token = bearerToken(c, ctx);
  if (!token) throw unauthorized("no_authorization", "This endpoint requires a valid Bearer token");
  const claims = await verifyJwt(ctx, token);
  if (!claims.role || !ctx.config.jwtAdminRoles.includes(claims.role)) throw forbidden("not_admin", "User not allowed");
  return claims;
}
