/**
 * Public configuration — the NEXT_PUBLIC_* variables, the only ones the browser bundle may contain.
 *
 * Kept apart from lib/env.ts so that a client component importing it pulls in no server variable, schema or local
 * server key. lib/env.ts builds the server configuration on top of these pieces (and re-exports them).
 * A missing or malformed variable raises an `EnvError` whose message is ONE line naming the variable and how to fix it.
 */
import { z } from "zod";

export const LOCAL_SUPABASE_URL = "http://127.0.0.1:54321";
export const LOCAL_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const DEFAULT_SITE_URL = "http://localhost:3000";

export type EnvSource = Record<string, string | undefined>;

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

const PUBLIC_HINTS: Record<string, string> = {
  NEXT_PUBLIC_SUPABASE_URL: "the Supabase project URL without a path, e.g. https://<ref>.supabase.co (local: http://127.0.0.1:54321)",
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "the project's publishable key (sb_publishable_…) from the Supabase dashboard → API keys",
  NEXT_PUBLIC_SITE_URL: "the public origin of this app, e.g. https://account.example.com (local: http://localhost:3000)",
};

/** The one-line configuration error for `variable` (never echoes the value: it may be a secret in the wrong place). */
export function envError(variable: string, problem: string, hints: Record<string, string> = PUBLIC_HINTS): EnvError {
  const hint = hints[variable] ?? PUBLIC_HINTS[variable] ?? "see .env.example";
  return new EnvError(variable, `Configuration error: ${variable} ${problem}. Set it to ${hint}. See .env.example.`);
}

/** The EnvError for the first issue zod found. */
export function firstIssue(error: z.ZodError, source: EnvSource, hints?: Record<string, string>): EnvError {
  const issue = error.issues[0]!;
  const variable = String(issue.path[0] ?? "environment");
  const present = blankToUndefined(source[variable]) !== undefined;
  return envError(variable, present ? `is invalid (${issue.message})` : "is missing", hints);
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

export const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const httpUrlString = (opts: { originOnly?: boolean } = {}) =>
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

export const httpUrl = (opts: { originOnly?: boolean } = {}) => z.preprocess(blankToUndefined, httpUrlString(opts));

export const key = (prefixHint: RegExp) =>
  z.preprocess(blankToUndefined, z.string().regex(/^[\x21-\x7e]+$/, "must be a single token without spaces")).refine((v) => prefixHint.test(v), {
    message: "does not look like a Supabase API key",
  });

export const publicSchema = z.object({
  NEXT_PUBLIC_SUPABASE_URL: httpUrl({ originOnly: true }),
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: key(/^(sb_publishable_|eyJ)/),
  NEXT_PUBLIC_SITE_URL: httpUrl({ originOnly: true }),
});

export type PublicEnv = z.infer<typeof publicSchema>;

/** Fills in the documented public defaults; the publishable key is defaulted only for the local stack. */
export function withPublicDefaults(source: EnvSource): EnvSource {
  const out: EnvSource = { ...source };
  if (blankToUndefined(out.NEXT_PUBLIC_SUPABASE_URL) === undefined) out.NEXT_PUBLIC_SUPABASE_URL = LOCAL_SUPABASE_URL;
  if (isLoopbackUrl(out.NEXT_PUBLIC_SUPABASE_URL) && !blankToUndefined(out.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY)) {
    out.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = LOCAL_PUBLISHABLE_KEY;
  }
  if (!blankToUndefined(out.NEXT_PUBLIC_SITE_URL)) out.NEXT_PUBLIC_SITE_URL = DEFAULT_SITE_URL;
  return out;
}

/** Parses the public variables from `source`. Throws `EnvError`. Pure: no caching, for tests and scripts. */
export function parsePublicEnv(source: EnvSource): PublicEnv {
  const input = withPublicDefaults(source);
  const result = publicSchema.safeParse(input);
  if (!result.success) throw firstIssue(result.error, input);
  return result.data;
}

let publicCache: PublicEnv | undefined;

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

/** Test helper: forget the cached value so the next call re-reads process.env. */
export function resetPublicEnvCache(): void {
  publicCache = undefined;
}
