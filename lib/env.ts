/**
 * Application configuration, validated once with zod and cached.
 *
 * Everyone reads configuration through `serverEnv()` (server only) or `publicEnv()` (server and browser; client
 * components import it from lib/env-public.ts, which holds the NEXT_PUBLIC_* part and nothing else).
 * A missing or malformed variable raises an `EnvError` whose message is ONE line naming the variable and how to
 * fix it; start-up code (scripts/dev.ts, scripts/start.ts, instrumentation.ts) prints it and exits non-zero.
 *
 * Local defaults (the Supabase CLI's well-known local keys) apply only when the app runs against the local stack,
 * i.e. when NEXT_PUBLIC_SUPABASE_URL is unset or points at a loopback address. A hosted project must set its keys.
 */
import { z } from "zod";
import {
  blankToUndefined,
  envError,
  firstIssue,
  httpUrl,
  httpUrlString,
  isLoopbackUrl,
  key,
  publicSchema,
  resetPublicEnvCache,
  withPublicDefaults,
  type EnvSource,
} from "./env-public";

export {
  DEFAULT_SITE_URL,
  EnvError,
  isLoopbackUrl,
  LOCAL_PUBLISHABLE_KEY,
  LOCAL_SUPABASE_URL,
  parsePublicEnv,
  publicEnv,
  type PublicEnv,
} from "./env-public";

export const LOCAL_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

const SERVER_HINTS: Record<string, string> = {
  SUPABASE_SECRET_KEY: "the project's secret key (sb_secret_…) from the Supabase dashboard → API keys; server only",
  DATABASE_URL: "a postgres:// connection string (Supabase: Project settings → Database → direct connection)",
  UPSTASH_REDIS_REST_URL: "the Upstash Redis REST URL, e.g. https://<name>.upstash.io (local: http://127.0.0.1:8079)",
  UPSTASH_REDIS_REST_TOKEN: "the Upstash Redis REST token from the Upstash console",
  ALLOWED_HOSTS: "a comma-separated list of host names (with optional :port), '*.example.com' wildcards allowed",
  ALLOWED_ORIGINS: "a comma-separated list of origins such as https://app.example.com",
  TRUSTED_PROXY_HOPS: "a whole number ≥ 0: how many reverse proxies in front of the app append to X-Forwarded-For",
  SSO_COOKIE_NAME: "a cookie name made of letters, digits, '_' or '-'",
  SSO_COOKIE_DOMAIN: "a parent domain such as .example.com, or leave unset for a host-only cookie",
  JWT_ALLOWED_ALGS: "a comma-separated subset of ES256,RS256,HS256 (HS256 requires SUPABASE_JWT_SECRET)",
  SUPABASE_JWT_SECRET: "the legacy HS256 JWT secret (at least 32 characters); only needed when JWT_ALLOWED_ALGS includes HS256",
  SUPABASE_JWT_ISSUER: "the issuer claim of access tokens, normally ${NEXT_PUBLIC_SUPABASE_URL}/auth/v1",
  SMTP_URL: "an smtp:// or smtps:// URL for the app's own security notifications (local: smtp://127.0.0.1:54325)",
  MAIL_FROM: "a sender address such as 'MindRoom Security <security@example.com>'",
};

const commaList = z.preprocess(blankToUndefined, z.string()).transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A URL with one of `protocols` and a host name, e.g. postgres:// or smtp://. */
const schemeUrl = (protocols: readonly string[], message: string) =>
  z.preprocess(
    blankToUndefined,
    z.string().refine((v) => {
      try {
        const u = new URL(v);
        return protocols.includes(u.protocol) && u.hostname !== "";
      } catch {
        return false;
      }
    }, message),
  );

const postgresUrl = schemeUrl(["postgres:", "postgresql:"], "must be a postgres:// or postgresql:// URL");
const smtpUrl = schemeUrl(["smtp:", "smtps:"], "must be an smtp:// or smtps:// URL");

const ALGS = ["ES256", "RS256", "HS256"] as const;
export type JwtAlg = (typeof ALGS)[number];

const serverSchema = publicSchema.extend({
  SUPABASE_SECRET_KEY: key(/^(sb_secret_|eyJ)/),
  DATABASE_URL: postgresUrl,
  UPSTASH_REDIS_REST_URL: httpUrl(),
  UPSTASH_REDIS_REST_TOKEN: z.preprocess(blankToUndefined, z.string().regex(/^[\x21-\x7e]+$/, "must be a single token without spaces")),
  ALLOWED_HOSTS: commaList.pipe(
    z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i, "contains an invalid host")).min(1),
  ),
  ALLOWED_ORIGINS: commaList.pipe(z.array(httpUrlString({ originOnly: true })).min(1)),
  TRUSTED_PROXY_HOPS: z.preprocess(blankToUndefined, z.string().regex(/^\d{1,2}$/, "must be a whole number").transform(Number)).default(0),
  SSO_COOKIE_NAME: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "is not a valid cookie name")).default("mindroom_jwt"),
  SSO_COOKIE_DOMAIN: z.preprocess(blankToUndefined, z.string().regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, "is not a domain name").optional()),
  JWT_ALLOWED_ALGS: commaList.pipe(z.array(z.enum(ALGS)).min(1)).default(["ES256", "RS256"]),
  SUPABASE_JWT_SECRET: z.preprocess(blankToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
  SUPABASE_JWT_ISSUER: z.preprocess(blankToUndefined, z.string().url().optional()),
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z.preprocess(blankToUndefined, z.string().min(3).max(200)).default("MindRoom Security <security@localhost>"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type ServerEnv = Omit<z.infer<typeof serverSchema>, "SUPABASE_JWT_ISSUER"> & {
  SUPABASE_JWT_ISSUER: string;
  /** True when the app runs against the local stand-in stack (loopback Supabase URL). */
  isLocalStack: boolean;
};

/** Fills in the documented local defaults; only keys are defaulted, and only for the local stack. */
function withLocalDefaults(source: EnvSource): EnvSource {
  const out = withPublicDefaults(source);
  if (isLoopbackUrl(out.NEXT_PUBLIC_SUPABASE_URL)) {
    if (!blankToUndefined(out.SUPABASE_SECRET_KEY)) out.SUPABASE_SECRET_KEY = LOCAL_SECRET_KEY;
    if (!blankToUndefined(out.SMTP_URL)) out.SMTP_URL = "smtp://127.0.0.1:54325";
  }
  return out;
}

/** Parses every server variable from `source`. Throws `EnvError`. Pure: no caching, for tests and scripts. */
export function parseServerEnv(source: EnvSource): ServerEnv {
  const input = withLocalDefaults(source);
  const site = safeOrigin(input.NEXT_PUBLIC_SITE_URL);
  if (site) {
    // Defaults derived from the site URL: the app accepts its own host and origin.
    if (!blankToUndefined(input.ALLOWED_HOSTS)) input.ALLOWED_HOSTS = new URL(site).host;
    if (!blankToUndefined(input.ALLOWED_ORIGINS)) input.ALLOWED_ORIGINS = site;
  }
  const result = serverSchema.safeParse(input);
  if (!result.success) throw firstIssue(result.error, input, SERVER_HINTS);
  const env = result.data;
  if (env.JWT_ALLOWED_ALGS.includes("HS256") && !env.SUPABASE_JWT_SECRET) throw envError("SUPABASE_JWT_SECRET", "is missing", SERVER_HINTS);
  return {
    ...env,
    SUPABASE_JWT_ISSUER: env.SUPABASE_JWT_ISSUER ?? `${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1`,
    isLocalStack: isLoopbackUrl(env.NEXT_PUBLIC_SUPABASE_URL),
  };
}

function safeOrigin(value: string | undefined): string | undefined {
  try {
    const url = value ? new URL(value) : undefined;
    return url && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

let serverCache: ServerEnv | undefined;

/** Server configuration (never import this into client components). Parsed once, cached. */
export function serverEnv(): ServerEnv {
  if (typeof window !== "undefined") throw new Error("serverEnv() must not be called in the browser");
  serverCache ??= parseServerEnv(process.env);
  return serverCache;
}

/** Test helper: forget cached values so the next call re-reads process.env. */
export function resetEnvCache(): void {
  serverCache = undefined;
  resetPublicEnvCache();
}
