/**
 * Application configuration, validated once with zod and cached.
 *
 * Everyone reads configuration through `serverEnv()` (server only) or `publicEnv()` (server and browser).
 * A missing or malformed variable raises an `EnvError` whose message is ONE line naming the variable and how to
 * fix it; start-up code (scripts/dev.ts, scripts/start.ts, instrumentation.ts) prints it and exits non-zero.
 *
 * Local defaults (the Supabase CLI's well-known local keys) apply only when the app runs against the local stack,
 * i.e. when NEXT_PUBLIC_SUPABASE_URL is unset or points at a loopback address. A hosted project must set its keys.
 */
import { z } from "zod";

export const LOCAL_SUPABASE_URL = "http://127.0.0.1:54321";
export const LOCAL_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const LOCAL_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
export const DEFAULT_SITE_URL = "http://localhost:3000";

type EnvSource = Record<string, string | undefined>;

export class EnvError extends Error {
  readonly code = "ERR_ENV_INVALID";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = "EnvError";
  }
}

const HINTS: Record<string, string> = {
  NEXT_PUBLIC_SUPABASE_URL: "the Supabase project URL without a path, e.g. https://<ref>.supabase.co (local: http://127.0.0.1:54321)",
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "the project's publishable key (sb_publishable_…) from the Supabase dashboard → API keys",
  SUPABASE_SECRET_KEY: "the project's secret key (sb_secret_…) from the Supabase dashboard → API keys; server only",
  NEXT_PUBLIC_SITE_URL: "the public origin of this app, e.g. https://account.example.com (local: http://localhost:3000)",
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

function hint(variable: string): string {
  return HINTS[variable] ?? "see .env.example";
}

/** True for http(s) URLs whose host is a loopback address — the local stack. */
export function isLoopbackUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const host = new URL(value).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const httpUrlString = (opts: { originOnly?: boolean } = {}) =>
    z.string().transform((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not a valid URL" });
        return z.NEVER;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: "must start with http:// or https://" });
        return z.NEVER;
      }
      if (url.username || url.password) {
        ctx.addIssue({ code: "custom", message: "must not contain credentials" });
        return z.NEVER;
      }
      if (opts.originOnly && (url.pathname !== "/" || url.search || url.hash)) {
        ctx.addIssue({ code: "custom", message: "must be an origin without a path, query or fragment" });
        return z.NEVER;
      }
      return opts.originOnly ? url.origin : value.replace(/\/+$/, "");
    });

const httpUrl = (opts: { originOnly?: boolean } = {}) => z.preprocess(blankToUndefined, httpUrlString(opts));

const commaList = z.preprocess(blankToUndefined, z.string()).transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

const key = (prefixHint: RegExp) =>
  z.preprocess(blankToUndefined, z.string().regex(/^[\x21-\x7e]+$/, "must be a single token without spaces")).refine((v) => prefixHint.test(v), {
    message: "does not look like a Supabase API key",
  });

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

const publicSchema = z.object({
  NEXT_PUBLIC_SUPABASE_URL: httpUrl({ originOnly: true }),
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: key(/^(sb_publishable_|eyJ)/),
  NEXT_PUBLIC_SITE_URL: httpUrl({ originOnly: true }),
});

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

export type PublicEnv = z.infer<typeof publicSchema>;
export type ServerEnv = Omit<z.infer<typeof serverSchema>, "SUPABASE_JWT_ISSUER"> & {
  SUPABASE_JWT_ISSUER: string;
  /** True when the app runs against the local stand-in stack (loopback Supabase URL). */
  isLocalStack: boolean;
};

/** Fills in the documented local defaults; only keys are defaulted, and only for the local stack. */
function withLocalDefaults(source: EnvSource): EnvSource {
  const out: EnvSource = { ...source };
  const url = blankToUndefined(out.NEXT_PUBLIC_SUPABASE_URL) as string | undefined;
  if (url === undefined) out.NEXT_PUBLIC_SUPABASE_URL = LOCAL_SUPABASE_URL;
  const local = isLoopbackUrl(out.NEXT_PUBLIC_SUPABASE_URL);
  if (local) {
    if (!blankToUndefined(out.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY)) out.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = LOCAL_PUBLISHABLE_KEY;
    if (!blankToUndefined(out.SUPABASE_SECRET_KEY)) out.SUPABASE_SECRET_KEY = LOCAL_SECRET_KEY;
    if (!blankToUndefined(out.SMTP_URL)) out.SMTP_URL = "smtp://127.0.0.1:54325";
  }
  if (!blankToUndefined(out.NEXT_PUBLIC_SITE_URL)) out.NEXT_PUBLIC_SITE_URL = DEFAULT_SITE_URL;
  return out;
}

function firstIssue(error: z.ZodError, source: EnvSource): EnvError {
  const issue = error.issues[0]!;
  const variable = String(issue.path[0] ?? "environment");
  const present = blankToUndefined(source[variable]) !== undefined;
  const what = present ? `is invalid (${issue.message})` : "is missing";
  return new EnvError(variable, `Configuration error: ${variable} ${what}. Set it to ${hint(variable)}. See .env.example.`);
}

/** Parses the public variables from `source`. Throws `EnvError`. Pure: no caching, for tests and scripts. */
export function parsePublicEnv(source: EnvSource): PublicEnv {
  const input = withLocalDefaults(source);
  const result = publicSchema.safeParse(input);
  if (!result.success) throw firstIssue(result.error, input);
  return result.data;
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
  if (!result.success) throw firstIssue(result.error, input);
  const env = result.data;
  if (env.JWT_ALLOWED_ALGS.includes("HS256") && !env.SUPABASE_JWT_SECRET) {
    throw new EnvError("SUPABASE_JWT_SECRET", `Configuration error: SUPABASE_JWT_SECRET is missing. Set it to ${hint("SUPABASE_JWT_SECRET")}. See .env.example.`);
  }
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
let publicCache: PublicEnv | undefined;

/** Server configuration (never import this into client components). Parsed once, cached. */
export function serverEnv(): ServerEnv {
  if (typeof window !== "undefined") throw new Error("serverEnv() must not be called in the browser");
  serverCache ??= parseServerEnv(process.env);
  return serverCache;
}

/**
 * Public configuration, safe for the browser. The NEXT_PUBLIC_* names are written out literally so Next inlines
 * them into client bundles at build time (build with the same values you run with).
 */
export function publicEnv(): PublicEnv {
  publicCache ??= parsePublicEnv({
    NEXT_PUBLIC_SUPABASE_URL: process.env.NEXT_PUBLIC_SUPABASE_URL,
    NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY,
    NEXT_PUBLIC_SITE_URL: process.env.NEXT_PUBLIC_SITE_URL,
  });
  return publicCache;
}

/** Test helper: forget cached values so the next call re-reads process.env. */
export function resetEnvCache(): void {
  serverCache = undefined;
  publicCache = undefined;
}
