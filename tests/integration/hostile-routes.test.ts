/**
 * Hostile input against a production build (`next build` into .local/next-test, then `next start`) and the real
 * local stack (H8 review): malformed path encodings, GET/HEAD on state-changing routes, cross-origin and Origin-less
 * POSTs with a cookie session, wrong content types and malformed bodies, query-string tokens. Every answer is a
 * clear 4xx (never a 500), authenticated answers are `no-store`, nothing changes state on GET, and the server output
 * never contains the access token, refresh token or password used.
 */
import { randomInt } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createServerClient } from "@supabase/ssr";
import { createClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/local/ports";
import { ensureProductionBuild, startNext, type NextServer } from "@/scripts/lib/production-build";
import { stackEnv } from "@/tests/helpers/stack";

const COOKIE = "sb-mindroom-auth";
let app: NextServer;
let origin: string;
const password = `hostile review ${randomInt(1e9)} passphrase`;
let accessToken = "";
let refreshToken = "";
let cookieHeader = "";

/** A fresh client address per request: the per-IP limits and blocks of one probe never affect the next. */
const randomIp = () => `2001:db8:${randomInt(0xffff).toString(16)}:${randomInt(0xffff).toString(16)}::1`;

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Raw HTTP (no fetch normalisation): the path goes out byte for byte, duplicate headers as given. */
function raw(options: { path: string; method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "x-forwarded-for": randomIp(), ...options.headers };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = httpRequest({ host: "127.0.0.1", port: app.port, path: options.path, method: options.method ?? "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const bearer = () => ({ authorization: `Bearer ${accessToken}` });
const cookie = () => ({ cookie: cookieHeader });

async function sessionStillWorks(): Promise<boolean> {
  const res = await raw({ path: "/api/my/sessions", headers: bearer() });
  return res.status === 200;
}

beforeAll(async () => {
  const env = stackEnv();
  await ensureProductionBuild({ log: (line) => process.env.LOCAL_STACK_VERBOSE === "1" && process.stderr.write(`[build] ${line}\n`) });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  app = await startNext({
    port,
    env: { ...env, NEXT_PUBLIC_SITE_URL: origin, ALLOWED_HOSTS: `127.0.0.1:${port}`, ALLOWED_ORIGINS: origin, TRUSTED_PROXY_HOPS: "1" },
  });

  const admin = createClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.SUPABASE_SECRET_KEY!, { auth: { persistSession: false } });
  const email = `hostile-${randomInt(1e9)}@example.com`;
  expect((await admin.auth.admin.createUser({ email, password, email_confirm: true })).error).toBeNull();
  const jar = new Map<string, string>();
  const client = createServerClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY!, {
    cookieOptions: { name: COOKIE },
    cookies: {
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      setAll: (cookies) => cookies.forEach(({ name, value }) => (value ? jar.set(name, value) : jar.delete(name))),
    },
  });
  const { data, error } = await client.auth.signInWithPassword({ email, password });
  expect(error).toBeNull();
  accessToken = data.session!.access_token;
  refreshToken = data.session!.refresh_token;
  cookieHeader = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  expect(cookieHeader).toContain(COOKIE);
}, 400_000);

afterAll(async () => {
  await app?.stop();
});

describe("hostile input against the built app", () => {
  it("answers 400 (not a bare 500) for paths that do not percent-decode, on every dynamic route", async () => {
    for (const [method, path] of [
      ["DELETE", "/api/my/sessions/%FF"],
      ["DELETE", "/api/my/sessions/%C0%AF"],
      ["POST", "/api/admin/users/%FF/ban"],
      ["DELETE", "/api/admin/users/%FF"],
      ["GET", "/auth/v1/user%FF"],
    ] as const) {
      const res = await raw({ method, path, headers: bearer() });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body).not.toMatch(/Internal Server Error|at \w+ \(/);
    }
  });

  it("refuses GET and HEAD on every state-changing route (405) and the session survives", async () => {
    for (const path of ["/api/my/sessions/revoke-all", "/api/my/sessions/revoke-others", "/auth/sign-out", "/api/my/sso-cookie", "/auth/confirm/verify", "/forgot-password/request", "/reset-password/notify", "/api/security-events"]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await raw({ method, path, headers: { ...bearer(), ...cookie(), origin } });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers["set-cookie"], `${method} ${path}`).toBeUndefined();
      }
    }
    expect(await sessionStillWorks()).toBe(true);
  });

  it("refuses cookie-authenticated state changes without our Origin (absent, foreign, null, look-alike)", async () => {
    const extras: Record<string, string>[] = [{}, { origin: "https://evil.example" }, { origin: "null" }, { origin: `${origin}.evil.example` }, { origin: `${origin}/` }, { "sec-fetch-site": "same-origin" }];
    for (const extra of extras) {
      const revoke = await raw({ method: "POST", path: "/api/my/sessions/revoke-all", headers: { ...cookie(), ...extra } });
      expect(revoke.status, JSON.stringify(extra)).toBe(403);
      expect(revoke.headers["cache-control"]).toBe("no-store");
      const signOut = await raw({ method: "POST", path: "/auth/sign-out", headers: { ...cookie(), ...extra, "sec-fetch-site": "cross-site" } });
      expect(signOut.status, JSON.stringify(extra)).toBe(403);
    }
    const foreignBearer = await raw({ method: "POST", path: "/api/my/sso-cookie", headers: { ...bearer(), origin: "https://evil.example" } });
    expect(foreignBearer.status).toBe(403);
    expect(foreignBearer.headers["set-cookie"]).toBeUndefined();
    expect(await sessionStillWorks()).toBe(true);
  });

  it("refuses cross-site POSTs at the auth gateway (text/plain simple requests included), same-origin ones pass", async () => {
    const apikey = stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY!;
    const recover = (headers: Record<string, string>) =>
      raw({ method: "POST", path: "/auth/v1/recover", headers: { apikey, ...headers }, body: JSON.stringify({ email: `nobody-${randomInt(1e9)}@example.com` }) });
    const crossSite: Record<string, string>[] = [
      { origin: "https://evil.example", "content-type": "text/plain" },
      { origin: "https://evil.example", "content-type": "application/json" },
      { origin: "null", "sec-fetch-site": "cross-site", "content-type": "text/plain" },
    ];
    for (const headers of crossSite) {
      const res = await recover(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body).toContain("forbidden_origin");
    }
    expect((await recover({ origin, "content-type": "application/json" })).status).toBe(200);
    expect((await recover({ origin: "null", "sec-fetch-site": "same-origin", "content-type": "application/json" })).status).toBe(200);
  });

  it("refuses a password change with only a (stolen) access token: the current password is required (ASVS 6.2.3)", async () => {
    const apikey = stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY!;
    const put = (body: Record<string, string>) =>
      raw({ method: "PUT", path: "/auth/v1/user", headers: { ...bearer(), apikey, origin, "content-type": "application/json" }, body: JSON.stringify(body) });
    const missing = await put({ password: `taken over ${randomInt(1e9)} passphrase` });
    expect(missing.status).toBe(400);
    expect(missing.body).toContain("current_password_required");
    const wrong = await put({ password: `taken over ${randomInt(1e9)} passphrase`, current_password: "not the password at all" });
    expect(wrong.status).toBe(400);
    expect(await sessionStillWorks()).toBe(true);
  });

  it("applies the account lockout to sign-in attempts whatever their Content-Type (text/plain used to hide the email)", async () => {
    const apikey = stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY!;
    const email = `lockout-${randomInt(1e9)}@example.com`;
    const attempt = (i: number) =>
      raw({
        method: "POST",
        path: "/auth/v1/token?grant_type=password",
        headers: { apikey, origin, "content-type": "text/plain" },
        body: JSON.stringify({ email, password: `wrong guess ${i}` }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(i)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    // Failures are recorded after the response (after()): allow the fifth one a moment to land, then the account is shut.
    let refused: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 5; i < 12 && !refused; i++) {
      const res = await attempt(i);
      if (res.status === 429) refused = res;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused?.status).toBe(429);
    expect(JSON.parse(refused!.body)).toMatchObject({ code: "over_request_rate_limit", error_code: "over_request_rate_limit" });
    expect(Number(refused!.headers["retry-after"])).toBeGreaterThan(0);
    const trailing = await raw({
      method: "POST",
      path: "/auth/v1/token?grant_type=password",
      headers: { apikey, origin, "content-type": "application/json" },
      body: `${JSON.stringify({ email: `other-${randomInt(1e9)}@example.com`, password: "x" })} trailing`,
    });
    expect(trailing.status).toBe(400);
    expect(trailing.body).toContain("bad_json");
  });

  it("answers malformed bodies and wrong content types with a 4xx, never a 500", async () => {
    const probes: { path: string; type: string; body: string }[] = [
      { path: "/forgot-password/request", type: "application/json", body: "{" },
      { path: "/forgot-password/request", type: "application/json", body: '{"email":{"$ne":""}}' },
      { path: "/forgot-password/request", type: "application/json", body: "null" },
      { path: "/forgot-password/request", type: "text/plain", body: "email=a@b.c" },
      { path: "/auth/confirm/verify", type: "application/x-www-form-urlencoded", body: "token_hash=%00%FF&type=__proto__" },
      { path: "/auth/confirm/verify", type: "application/json", body: '{"token_hash":"x"}' },
      { path: "/api/security-events", type: "application/json", body: "[[[[[[" },
      { path: "/api/security-events", type: "application/xml", body: "<x/>" },
      { path: "/api/my/sso-cookie", type: "application/json", body: "{" },
      { path: "/auth/v1/token?grant_type=password", type: "application/json", body: '{"email":1,"password":["x"]}' },
    ];
    for (const probe of probes) {
      const res = await raw({ method: "POST", path: probe.path, headers: { origin, "content-type": probe.type, apikey: stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY! }, body: probe.body });
      expect(res.status, `${probe.path} ${probe.body}`).toBeGreaterThanOrEqual(300);
      expect(res.status, `${probe.path} ${probe.body}`).toBeLessThan(500);
      expect(res.body).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
    }
  });

  it("refuses hostile bearer shapes and query-string tokens with the one 401, no-store", async () => {
    const hostile: Record<string, string>[] = [
      { authorization: `Bearer ${accessToken}x` },
      { authorization: `Bearer  ${accessToken}` },
      { authorization: `Basic ${accessToken}` },
      { authorization: `Bearer ${refreshToken}` },
      { authorization: `Bearer ${stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY}` },
      { authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0." },
      { cookie: `${COOKIE}=base64-eyJ4Ijp9` },
    ];
    for (const headers of hostile) {
      const res = await raw({ path: "/api/my/account", headers });
      expect(res.status).toBe(401);
      expect(res.body).toBe('{"error":"invalid_token"}');
      expect(res.headers["cache-control"]).toBe("no-store");
    }
    const query = await raw({ path: `/api/my/account?access_token=${accessToken}` });
    expect(query.status).toBe(401);
  });

  it("sends authenticated and token-bearing answers with no-store", async () => {
    const pages: [string, Record<string, string>][] = [
      ["/api/my/account", bearer()],
      ["/api/my/sessions", cookie()],
      ["/account", cookie()],
      ["/auth/confirm?token_hash=pkce_0123456789abcdef0123456789abcdef&type=recovery", {}],
      ["/reset-password", {}],
    ];
    for (const [path, headers] of pages) {
      const res = await raw({ path, headers });
      expect(res.status, path).toBe(200);
      expect(String(res.headers["cache-control"]), path).toContain("no-store");
    }
  });

  it("ships no runtime secret to the browser (every script the sign-in and confirm pages load)", async () => {
    // Runtime values, plus the server secret key: the local stack's is the published Supabase CLI default that
    // lib/env.ts carries as a constant, so this also proves no client script bundles the server configuration
    // (client code reads lib/env-public.ts only).
    const env = stackEnv();
    const secrets = [env.UPSTASH_REDIS_REST_TOKEN!, env.DATABASE_URL!, `${refreshToken}`, env.SUPABASE_SECRET_KEY!];
    const scripts = new Set<string>();
    for (const path of ["/login", "/forgot-password", "/auth/confirm?token_hash=pkce_0123456789abcdef0123456789abcdef&type=recovery"]) {
      const page = await raw({ path, headers: cookie() });
      for (const secret of secrets) expect(page.body, path).not.toContain(secret);
      for (const match of page.body.matchAll(/<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/g)) scripts.add(match[1]!);
    }
    expect(scripts.size).toBeGreaterThan(0);
    for (const src of scripts) {
      const js = await raw({ path: src });
      expect(js.status, src).toBe(200);
      for (const secret of secrets) expect(js.body.includes(secret), src).toBe(false);
    }
  });

  it("never writes the access token, refresh token or password into the server output", async () => {
    // Token-bearing URLs and bodies the server sees during this file, plus one more of each here.
    await raw({ path: `/api/my/account?access_token=${accessToken}&refresh_token=${refreshToken}` });
    await raw({ path: `/auth/confirm?token_hash=${refreshToken}abcdef0123&type=recovery` });
    await raw({ method: "POST", path: "/auth/v1/token?grant_type=password", headers: { origin, "content-type": "application/json", apikey: stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY! }, body: JSON.stringify({ email: "nobody@example.com", password }) });
    await new Promise((r) => setTimeout(r, 500));
    const output = app.output.join("\n");
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toContain(accessToken.split(".")[2]);
    expect(output).not.toContain(refreshToken);
    expect(output).not.toContain(password);
  });
});
