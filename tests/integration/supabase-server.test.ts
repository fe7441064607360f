/**
 * lib/supabase/server + session against the local auth server, with Next's cookie store replaced by an in-memory one:
 * cookies use the shared name, cache headers from setAll reach the response, and trust comes from verified claims.
 */
import { createClient as createSupabaseClient } from "@supabase/supabase-js";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { stackEnv } from "@/tests/helpers/stack";

const jar = new Map<string, string>();

vi.mock("next/headers", () => ({
  cookies: async () => ({
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    set: (name: string, value: string, options?: { maxAge?: number }) => {
      if (value === "" || options?.maxAge === 0) jar.delete(name);
      else jar.set(name, value);
    },
  }),
}));

vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw new Error(`REDIRECT ${url}`);
  },
}));

const { createClient } = await import("@/lib/supabase/server");
const { getVerifiedClaims, requireClaims } = await import("@/lib/supabase/session");

const env = stackEnv();
const email = `server-client-${Date.now()}@example.com`;
const password = "server-Client-passw0rd!";

beforeAll(async () => {
  Object.assign(process.env, env);
  resetEnvCache();
  const admin = createSupabaseClient(env.NEXT_PUBLIC_SUPABASE_URL, env.SUPABASE_SECRET_KEY, { auth: { persistSession: false } });
  const { error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  if (error) throw error;
});

describe("server Supabase client", () => {
  it("stores the session under sb-mindroom-auth, applies cache headers, verifies claims, and signs out", async () => {
    jar.clear();
    const headers: Record<string, string> = {};
    const supabase = await createClient((h) => Object.assign(headers, h));
    const { error } = await supabase.auth.signInWithPassword({ email, password });
    expect(error).toBeNull();
    expect([...jar.keys()].length).toBeGreaterThan(0);
    for (const name of jar.keys()) expect(name).toMatch(/^sb-mindroom-auth(\.\d+)?$/);
    expect(headers["Cache-Control"] ?? headers["cache-control"]).toMatch(/no-store/);

    const claims = await getVerifiedClaims();
    expect(claims?.email).toBe(email);
    expect(typeof claims?.session_id).toBe("string");
    await expect(requireClaims("/account")).resolves.toMatchObject({ email });

    const signOutClient = await createClient();
    await signOutClient.auth.signOut({ scope: "local" });
    expect(jar.size).toBe(0);
    expect(await getVerifiedClaims()).toBeNull();
    await expect(requireClaims("/account")).rejects.toThrow("REDIRECT /login?next=%2Faccount");
  });

  it("does not trust a session cookie whose access token signature was tampered with", async () => {
    jar.clear();
    const supabase = await createClient();
    await supabase.auth.signInWithPassword({ email, password });
    const [name, value] = [...jar][0]!;
    const raw = value.startsWith("base64-") ? Buffer.from(value.slice(7), "base64url").toString() : value;
    const session = JSON.parse(raw) as { access_token: string; expires_at: number };
    const encode = (value: unknown) => `base64-${Buffer.from(JSON.stringify(value)).toString("base64url")}`;
    // Control: the same session re-encoded the same way is accepted, so the refusal below is about the signature.
    jar.clear();
    jar.set(name, encode(session));
    expect((await getVerifiedClaims())?.email).toBe(email);
    const [header, payload] = session.access_token.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    forged.email = "someone-else@example.com";
    session.access_token = `${header}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${session.access_token.split(".")[2]}`;
    jar.clear();
    jar.set(name, encode(session));
    expect(await getVerifiedClaims()).toBeNull();
  });
});
