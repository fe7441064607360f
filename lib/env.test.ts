import { describe, expect, it } from "vitest";
import { EnvError, LOCAL_PUBLISHABLE_KEY, LOCAL_SECRET_KEY, parsePublicEnv, parseServerEnv } from "@/lib/env";

const base = {
  DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:54322/postgres",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079",
  UPSTASH_REDIS_REST_TOKEN: "local-token",
};

const hosted = {
  ...base,
  NEXT_PUBLIC_SUPABASE_URL: "https://abcd.supabase.co",
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "sb_publishable_hosted",
  SUPABASE_SECRET_KEY: "sb_secret_hosted",
  NEXT_PUBLIC_SITE_URL: "https://account.example.com",
};

function errorOf(fn: () => unknown): EnvError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected an EnvError");
}

describe("parseServerEnv", () => {
  it("applies local defaults only for the local stack", () => {
    const env = parseServerEnv(base);
    expect(env.NEXT_PUBLIC_SUPABASE_URL).toBe("http://127.0.0.1:54321");
    expect(env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY).toBe(LOCAL_PUBLISHABLE_KEY);
    expect(env.SUPABASE_SECRET_KEY).toBe(LOCAL_SECRET_KEY);
    expect(env.isLocalStack).toBe(true);
    expect(env.NEXT_PUBLIC_SITE_URL).toBe("http://localhost:3000");
    expect(env.ALLOWED_HOSTS).toEqual(["localhost:3000"]);
    expect(env.ALLOWED_ORIGINS).toEqual(["http://localhost:3000"]);
    expect(env.TRUSTED_PROXY_HOPS).toBe(0);
    expect(env.SSO_COOKIE_NAME).toBe("mindroom_jwt");
    expect(env.JWT_ALLOWED_ALGS).toEqual(["ES256", "RS256"]);
    expect(env.SUPABASE_JWT_ISSUER).toBe("http://127.0.0.1:54321/auth/v1");
  });

  it("does not default keys for a hosted project", () => {
    const { SUPABASE_SECRET_KEY: _, ...withoutSecret } = hosted;
    const error = errorOf(() => parseServerEnv(withoutSecret));
    expect(error.variable).toBe("SUPABASE_SECRET_KEY");
    expect(error.message).toMatch(/^Configuration error: SUPABASE_SECRET_KEY is missing\. Set it to .+/);
    const { NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: __, ...withoutPublishable } = hosted;
    expect(errorOf(() => parseServerEnv(withoutPublishable)).variable).toBe("NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY");
    expect(parseServerEnv(hosted).isLocalStack).toBe(false);
  });

  it.each([
    ["not a url", "is invalid"],
    ["ftp://abcd.supabase.co", "http"],
    ["javascript:alert(1)", "http"],
    ["https://user:pw@abcd.supabase.co", "credentials"],
    ["https://abcd.supabase.co/auth/v1", "without a path"],
  ])("names a malformed NEXT_PUBLIC_SUPABASE_URL %j in one line", (value, fragment) => {
    const error = errorOf(() => parseServerEnv({ ...hosted, NEXT_PUBLIC_SUPABASE_URL: value }));
    expect(error.variable).toBe("NEXT_PUBLIC_SUPABASE_URL");
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain("\n");
    // The offending value is not echoed (it could be a secret pasted into the wrong variable).
    expect(error.message).not.toContain(value);
  });

  it.each([
    ["DATABASE_URL", undefined, "is missing"],
    ["DATABASE_URL", "mysql://x", "postgres"],
    ["UPSTASH_REDIS_REST_URL", "redis://127.0.0.1:6379", "http"],
    ["UPSTASH_REDIS_REST_TOKEN", "", "is missing"],
    ["UPSTASH_REDIS_REST_TOKEN", "two words", "invalid"],
    ["TRUSTED_PROXY_HOPS", "-1", "whole number"],
    ["TRUSTED_PROXY_HOPS", "1.5", "whole number"],
    ["ALLOWED_HOSTS", "good.example.com,bad host", "invalid host"],
    ["ALLOWED_ORIGINS", "https://a.example.com/path", "invalid"],
    ["JWT_ALLOWED_ALGS", "ES256,none", "invalid"],
    ["SSO_COOKIE_NAME", "bad;name", "cookie name"],
    ["SSO_COOKIE_DOMAIN", "example", "domain"],
    ["SMTP_URL", "http://mail", "smtp"],
    ["NEXT_PUBLIC_SITE_URL", "localhost:3000", "invalid"],
  ])("rejects %s=%j", (name, value, fragment) => {
    const error = errorOf(() => parseServerEnv({ ...hosted, [name]: value }));
    expect(error.variable).toBe(name);
    expect(error.message).toContain(fragment);
    expect(error.message).toContain("See .env.example");
    expect(error.message.split("\n")).toHaveLength(1);
  });

  it("requires SUPABASE_JWT_SECRET when HS256 is allowed", () => {
    expect(errorOf(() => parseServerEnv({ ...hosted, JWT_ALLOWED_ALGS: "HS256" })).variable).toBe("SUPABASE_JWT_SECRET");
    const env = parseServerEnv({ ...hosted, JWT_ALLOWED_ALGS: "HS256", SUPABASE_JWT_SECRET: "x".repeat(32) });
    expect(env.JWT_ALLOWED_ALGS).toEqual(["HS256"]);
  });

  it("parses lists and normalises origins", () => {
    const env = parseServerEnv({
      ...hosted,
      ALLOWED_HOSTS: " account.example.com , *.example.com ",
      ALLOWED_ORIGINS: "https://account.example.com/,https://app.example.com",
      TRUSTED_PROXY_HOPS: "2",
      NEXT_PUBLIC_SUPABASE_URL: "https://abcd.supabase.co/",
    });
    expect(env.ALLOWED_HOSTS).toEqual(["account.example.com", "*.example.com"]);
    expect(env.ALLOWED_ORIGINS).toEqual(["https://account.example.com", "https://app.example.com"]);
    expect(env.TRUSTED_PROXY_HOPS).toBe(2);
    expect(env.NEXT_PUBLIC_SUPABASE_URL).toBe("https://abcd.supabase.co");
    expect(env.SUPABASE_JWT_ISSUER).toBe("https://abcd.supabase.co/auth/v1");
  });
});

describe("parsePublicEnv", () => {
  it("needs no server secrets", () => {
    const env = parsePublicEnv({});
    expect(env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY).toBe(LOCAL_PUBLISHABLE_KEY);
    expect(env).not.toHaveProperty("SUPABASE_SECRET_KEY");
  });
});
