// Bearer validation, revocation, SSO cookie, sessions API, failure tracking and audit against the REAL stack and TWO
// production `next start` instances sharing Redis (issue 4 "Must show").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createClient, type Session, type SupabaseClient } from "@supabase/supabase-js";
import { generate } from "otplib";
import { createServerClient } from "@supabase/ssr";
import { AUTH_COOKIE_NAME } from "@/lib/supabase/cookie";
import { Pool } from "pg";
import { freePort } from "@/local/ports";
import { verifyAuditChain } from "@/lib/audit/verify-chain";
import { queueAuditEvent } from "@/lib/audit/queue";
import { Redis } from "@upstash/redis";
import { stackEnv, type StackEnv } from "@/tests/helpers/stack";
import { ensureProductionBuild, startNext, type NextServer as NextInstance } from "@/scripts/lib/production-build";
import { claims, makeKey, signRaw, signToken, b64u } from "@/tests/helpers/tokens";

let env: StackEnv;
let A: NextInstance;
let B: NextInstance;
let admin: SupabaseClient;
let pool: Pool;
const password = "correct horse battery staple 42";

async function newUser(): Promise<string> {
  const email = `rv-${randomUUID().slice(0, 8)}@example.com`;
  const { error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  if (error) throw error;
  return email;
}

/** A "device": a fresh sign-in straight at the upstream auth server (not rate-limited by the app). */
async function device(email: string): Promise<Session> {
  const c = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await c.auth.signInWithPassword({ email, password });
  if (error) throw error;
  return data.session!;
}

/** A supabase-js client that talks to the app's auth gateway (like the browser client does). */
async function appClient(app: NextInstance, session: Session): Promise<SupabaseClient> {
  const c = createClient(app.url, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  const { error } = await c.auth.setSession({ access_token: session.access_token, refresh_token: session.refresh_token });
  if (error) throw error;
  return c;
}

const sid = (s: Session) => JSON.parse(Buffer.from(s.access_token.split(".")[1]!, "base64url").toString()).session_id as string;

/** A random client address per request: refused tokens count towards IP blocks, which these tests must not trip. */
const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;

function account(app: NextInstance, token: string, ip = randomIp(), extra: Record<string, string> = {}) {
  return fetch(`${app.url}/api/my/account`, { headers: { authorization: `Bearer ${token}`, "x-forwarded-for": ip, ...extra } });
}

/**
 * Polls both instances until the token is refused; returns when (ms after the revocation returned) the refused requests
 * were SENT — the propagation delay, independent of how slow a loaded machine is to answer — or Infinity.
 */
async function refusedWithin(token: string, ms = 1000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const sentAt = performance.now() - t0;
    if (sentAt >= ms) return Infinity;
    const [a, b] = await Promise.all([account(A, token), account(B, token)]);
    if (a.status === 401 && b.status === 401) return sentAt;
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  env = stackEnv();
  await ensureProductionBuild();
  const [pa, pb] = [await freePort(), await freePort()];
  const shared = {
    ALLOWED_HOSTS: `127.0.0.1:${pa},127.0.0.1:${pb}`,
    ALLOWED_ORIGINS: `http://127.0.0.1:${pa},http://127.0.0.1:${pb}`,
    SSO_COOKIE_DOMAIN: ".example.test",
  };
  const app = (port: number) => startNext({ port, env: { ...env, ...shared, NEXT_PUBLIC_SITE_URL: `http://127.0.0.1:${port}` } });
  [A, B] = await Promise.all([app(pa), app(pb)]);
  admin = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.SUPABASE_SECRET_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  pool = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
}, 600_000);

afterAll(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  await pool?.end();
});

describe("bearer validation through the app", () => {
  it("valid token → 200 with identity on both instances; forged tokens → the same 401", async () => {
    const email = await newUser();
    const s = await device(email);
    for (const app of [A, B]) {
      const res = await account(app, s.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({ user: { id: s.user.id, email }, aal: "aal1", session_id: sid(s) });
    }
    const issuer = `${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1`;
    const evil = makeKey("ES256");
    const [h, p] = s.access_token.split(".");
    const forged = [
      `${h}.${b64u(JSON.stringify({ ...claims({ issuer, sub: s.user.id }), role: "service_role" }))}.${s.access_token.split(".")[2]}`,
      `${b64u('{"alg":"none","typ":"JWT"}')}.${p}.`,
      signToken(evil, claims({ issuer, sub: s.user.id })),
      signRaw({ alg: "HS256", typ: "JWT" }, claims({ issuer }), { hs: "super-secret-jwt-token-with-at-least-32-characters-long" }),
      env.SUPABASE_SECRET_KEY,
      s.refresh_token,
    ];
    for (const [i, token] of forged.entries()) {
      const res = await account(i % 2 ? A : B, token, randomIp());
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(await res.text()).toBe('{"error":"invalid_token"}');
    }
  });

  it("odd scheme spacing, a 100 KB header and a query-string token are refused like any other bad token", async () => {
    const s = await device(await newUser());
    const res1 = await fetch(`${A.url}/api/my/account`, { headers: { authorization: `Bearer  ${s.access_token}`, "x-forwarded-for": randomIp() } });
    expect(res1.status).toBe(401);
    const res2 = await fetch(`${A.url}/api/my/account?access_token=${s.access_token}`, {
      headers: { authorization: `Bearer ${s.access_token}`, "x-forwarded-for": randomIp() },
    });
    expect(res2.status).toBe(401);
    const big = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${A.url}/api/my/account`, { headers: { authorization: `Bearer ${"a".repeat(100_000)}`, "x-forwarded-for": randomIp() } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    // Node's HTTP parser refuses >16 KB of headers with 431 before the app; anything under 8 KB reaches our parser.
    expect([401, 431]).toContain(big);
  });
});

describe("revocation on two instances within 1 s", () => {
  it("signOut({ scope: 'local' }) through the gateway: that token dies everywhere, the other device lives", async () => {
    const email = await newUser();
    const [d1, d2] = [await device(email), await device(email)];
    await (await appClient(A, d1)).auth.signOut({ scope: "local" });
    expect(await refusedWithin(d1.access_token)).toBeLessThan(1000);
    expect((await account(B, d2.access_token)).status).toBe(200);
  });

  it("signOut({ scope: 'others' }): the other device's token dies, this one lives", async () => {
    const email = await newUser();
    const [d1, d2] = [await device(email), await device(email)];
    await (await appClient(B, d1)).auth.signOut({ scope: "others" });
    expect(await refusedWithin(d2.access_token)).toBeLessThan(1000);
    expect((await account(A, d1.access_token)).status).toBe(200);
  });

  it("signOut() (global): every token of the user dies", async () => {
    const email = await newUser();
    const [d1, d2] = [await device(email), await device(email)];
    await (await appClient(A, d1)).auth.signOut();
    expect(await refusedWithin(d1.access_token)).toBeLessThan(1000);
    expect(await refusedWithin(d2.access_token)).toBeLessThan(1000);
    // a new sign-in afterwards works (not-before only covers older tokens)
    await new Promise((r) => setTimeout(r, 1100));
    expect((await account(B, (await device(email)).access_token)).status).toBe(200);
  });

  it("revoking a session from another device (sessions API on A) → that token 401 on B; list shows devices", async () => {
    const email = await newUser();
    const d1 = await device(email);
    const d2 = await device(email);
    const list = await fetch(`${A.url}/api/my/sessions`, { headers: { authorization: `Bearer ${d1.access_token}`, "x-forwarded-for": randomIp() } });
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as { sessions: { id: string; current: boolean; device: string }[] };
    expect(sessions.map((x) => x.id).sort()).toEqual([sid(d1), sid(d2)].sort());
    expect(sessions.find((x) => x.current)?.id).toBe(sid(d1));
    // someone else's session → 404, like an unknown one
    const stranger = await device(await newUser());
    const notYours = await fetch(`${A.url}/api/my/sessions/${sid(d2)}`, { method: "DELETE", headers: { authorization: `Bearer ${stranger.access_token}` } });
    expect(notYours.status).toBe(404);
    const del = await fetch(`${A.url}/api/my/sessions/${sid(d2)}`, { method: "DELETE", headers: { authorization: `Bearer ${d1.access_token}`, origin: A.url } });
    expect(del.status).toBe(200);
    expect(await refusedWithin(d2.access_token)).toBeLessThan(1000);
    expect((await account(B, d1.access_token)).status).toBe(200);
    // the revoked session cannot be refreshed either (row deleted)
    const refresh = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false } });
    expect((await refresh.auth.refreshSession({ refresh_token: d2.refresh_token })).error).not.toBeNull();
  });

  it("revoke-others and revoke-all; cross-origin or Origin-less cookie-style calls are refused", async () => {
    const email = await newUser();
    const [d1, d2, d3] = [await device(email), await device(email), await device(email)];
    const bad = await fetch(`${B.url}/api/my/sessions/revoke-others`, { method: "POST", headers: { authorization: `Bearer ${d1.access_token}`, origin: "https://evil.example" } });
    expect(bad.status).toBe(403);
    expect((await account(A, d2.access_token)).status).toBe(200);
    const others = await fetch(`${B.url}/api/my/sessions/revoke-others`, { method: "POST", headers: { authorization: `Bearer ${d1.access_token}`, origin: B.url } });
    expect(others.status).toBe(200);
    expect(await refusedWithin(d2.access_token)).toBeLessThan(1000);
    expect(await refusedWithin(d3.access_token)).toBeLessThan(1000);
    expect((await account(A, d1.access_token)).status).toBe(200);
    const all = await fetch(`${A.url}/api/my/sessions/revoke-all`, { method: "POST", headers: { authorization: `Bearer ${d1.access_token}` } });
    expect(all.status).toBe(200);
    expect(await refusedWithin(d1.access_token)).toBeLessThan(1000);
    // GET never changes state
    expect((await fetch(`${A.url}/api/my/sessions/revoke-all`, { headers: { authorization: `Bearer ${d1.access_token}` } })).status).toBe(405);
  });

  it("password change through the gateway ends the other sessions' tokens", async () => {
    const email = await newUser();
    const [d1, d2] = [await device(email), await device(email)];
    const c = await appClient(A, d1);
    // A password change needs the current password (lib/password-policy-gateway, ASVS 6.2.3).
    const { error } = await c.auth.updateUser({ password: `${password} changed`, current_password: password });
    expect(error).toBeNull();
    expect(await refusedWithin(d2.access_token)).toBeLessThan(1000);
    expect((await account(B, d1.access_token)).status).toBe(200);
  });
});

describe("SSO cookie", () => {
  it("set and clear with byte-exact attributes; the 6th POST in a minute → 429 with Retry-After", async () => {
    const s = await device(await newUser());
    const ip = randomIp();
    const post = () => fetch(`${A.url}/api/my/sso-cookie`, { method: "POST", headers: { authorization: `Bearer ${s.access_token}`, "x-forwarded-for": ip, origin: A.url } });
    const first = await post();
    expect(first.status).toBe(200);
    const cookie = first.headers.get("set-cookie")!;
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(Math.abs(maxAge - (s.expires_at! - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(2);
    expect(cookie).toBe(`mindroom_jwt=${s.access_token}; Domain=.example.test; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Lax`);
    const clear = await fetch(`${A.url}/api/my/sso-cookie`, { method: "DELETE", headers: { "x-forwarded-for": ip, origin: A.url } });
    expect(clear.status).toBe(200);
    expect(clear.headers.get("set-cookie")).toBe("mindroom_jwt=; Domain=.example.test; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
    for (let i = 2; i <= 5; i++) expect((await post()).status).toBe(200);
    const sixth = await post();
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("failure tracking and audit", () => {
  it("5 failed validations from one IP → the 6th request from it is blocked even with a valid token; other IPs unaffected", async () => {
    const s = await device(await newUser());
    const ip = randomIp();
    for (let i = 0; i < 5; i++) expect((await account(i % 2 ? A : B, "not.a.token", ip)).status).toBe(401);
    const blocked = await account(A, s.access_token, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(1700);
    expect((await account(B, s.access_token, ip)).status).toBe(429);
    expect((await account(A, s.access_token, randomIp())).status).toBe(200);
  });

  it("audit rows are written for revocations and failures, and the hash chain verifies", async () => {
    const email = await newUser();
    const d1 = await device(email);
    await fetch(`${B.url}/api/my/sessions/revoke-all`, { method: "POST", headers: { authorization: `Bearer ${d1.access_token}` } });
    const deadline = Date.now() + 5_000;
    let rows: { event: string }[] = [];
    while (Date.now() < deadline) {
      ({ rows } = await pool.query("SELECT event FROM public.audit_logs WHERE actor_user_id = $1", [d1.user.id]));
      if (rows.some((r) => r.event === "authn_token_revoked")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => r.event)).toContain("authn_token_revoked");
    const fails = await pool.query("SELECT count(*)::int AS n FROM public.audit_logs WHERE event = 'authn_login_fail'");
    expect(fails.rows[0].n).toBeGreaterThan(0);
    expect((await verifyAuditChain(pool)).ok).toBe(true);
  });
});

describe("admin API (admin + aal2 only)", () => {
  async function adminSession(aal2: boolean): Promise<Session> {
    const email = `adm-${randomUUID().slice(0, 8)}@example.com`;
    const { error } = await admin.auth.admin.createUser({ email, password, email_confirm: true, app_metadata: { role: "admin" } });
    if (error) throw error;
    const c = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
    const signIn = await c.auth.signInWithPassword({ email, password });
    if (signIn.error) throw signIn.error;
    if (!aal2) return signIn.data.session!;
    const enroll = await c.auth.mfa.enroll({ factorType: "totp", friendlyName: "test" });
    if (enroll.error) throw enroll.error;
    const code = await generate({ secret: enroll.data.totp.secret, epoch: Math.floor(Date.now() / 1000) });
    const verified = await c.auth.mfa.challengeAndVerify({ factorId: enroll.data.id, code });
    if (verified.error) throw verified.error;
    return (await c.auth.getSession()).data.session!;
  }

  it("aal1 admin and non-admin → 403 (audited); aal2 admin lists and lifts blocks, revokes a user's sessions", async () => {
    const plain = await device(await newUser());
    const aal1 = await adminSession(false);
    const aal2 = await adminSession(true);
    const h = (s: Session) => ({ authorization: `Bearer ${s.access_token}`, origin: A.url, "x-forwarded-for": randomIp() });
    expect((await fetch(`${A.url}/api/admin/blocks`, { headers: h(plain) })).status).toBe(403);
    expect((await fetch(`${A.url}/api/admin/blocks`, { headers: h(aal1) })).status).toBe(403);

    const ip = randomIp();
    for (let i = 0; i < 5; i++) await account(A, "x.y.z", ip);
    expect((await account(B, plain.access_token, ip)).status).toBe(429);
    const list = await fetch(`${A.url}/api/admin/blocks`, { headers: h(aal2) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { blocks: { key: string }[] }).blocks.map((b) => b.key)).toContain(`ip:${ip}`);
    const lift = await fetch(`${B.url}/api/admin/blocks?key=${encodeURIComponent(`ip:${ip}`)}`, { method: "DELETE", headers: { ...h(aal2), origin: B.url } });
    expect(lift.status).toBe(200);
    expect((await account(A, plain.access_token, ip)).status).toBe(200);

    const victim = await newUser();
    const [v1, v2] = [await device(victim), await device(victim)];
    const revoke = await fetch(`${A.url}/api/admin/users/${v1.user.id}/revoke-sessions`, { method: "POST", headers: h(aal2) });
    expect(revoke.status).toBe(200);
    expect(await refusedWithin(v1.access_token)).toBeLessThan(1000);
    expect(await refusedWithin(v2.access_token)).toBeLessThan(1000);
    expect((await fetch(`${A.url}/api/admin/users/${randomUUID()}/revoke-sessions`, { method: "POST", headers: { ...h(aal2), origin: "https://evil.example" } })).status).toBe(403);
  });

  it("ban and delete end the user's tokens now", async () => {
    const aal2 = await adminSession(true);
    const h = { authorization: `Bearer ${aal2.access_token}`, origin: A.url, "content-type": "application/json" };
    const banned = await device(await newUser());
    const ban = await fetch(`${A.url}/api/admin/users/${banned.user.id}/ban`, { method: "POST", headers: h, body: JSON.stringify({ hours: 1 }) });
    expect(ban.status).toBe(200);
    expect(await refusedWithin(banned.access_token)).toBeLessThan(1000);
    expect((await fetch(`${A.url}/api/admin/users/${banned.user.id}/ban`, { method: "POST", headers: h, body: "{\"hours\":-1}" })).status).toBe(400);
    const deleted = await device(await newUser());
    expect((await fetch(`${B.url}/api/admin/users/${deleted.user.id}`, { method: "DELETE", headers: { ...h, origin: B.url } })).status).toBe(200);
    expect(await refusedWithin(deleted.access_token)).toBeLessThan(1000);
    const events = await pool.query("SELECT details->>'action' AS action FROM public.audit_logs WHERE event = 'authz_admin' AND actor_user_id = $1", [aal2.user.id]);
    for (let i = 0; i < 50 && events.rows.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events.rows = (await pool.query("SELECT details->>'action' AS action FROM public.audit_logs WHERE event = 'authz_admin' AND actor_user_id = $1", [aal2.user.id])).rows;
    }
    expect(events.rows.map((r) => r.action).sort()).toEqual(["ban_user", "delete_user"]);
  });
});

describe("cookie sessions and gateway failure tracking", () => {
  /** The Cookie header @supabase/ssr would hold for this session (written by the real library). */
  async function sessionCookie(app: NextInstance, session: Session): Promise<string> {
    const jar = new Map<string, string>();
    const c = createServerClient(app.url, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, {
      cookieOptions: { name: AUTH_COOKIE_NAME },
      cookies: {
        getAll: () => [...jar].map(([name, value]) => ({ name, value })),
        setAll: (cookies) => cookies.forEach(({ name, value }) => (value ? jar.set(name, value) : jar.delete(name))),
      },
    });
    const { error } = await c.auth.setSession({ access_token: session.access_token, refresh_token: session.refresh_token });
    if (error) throw error;
    return [...jar].map(([n, v]) => `${n}=${v}`).join("; ");
  }

  it("GET /api/my/account accepts the cookie session; cookie-authenticated state changes need an allowed Origin", async () => {
    const s = await device(await newUser());
    const cookie = await sessionCookie(A, s);
    const me = await fetch(`${A.url}/api/my/account`, { headers: { cookie, "x-forwarded-for": randomIp() } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { session_id: string }).session_id).toBe(sid(s));
    const noOrigin = await fetch(`${B.url}/api/my/sessions/revoke-all`, { method: "POST", headers: { cookie, "x-forwarded-for": randomIp() } });
    expect(noOrigin.status).toBe(403);
    expect((await account(A, s.access_token)).status).toBe(200);
    const withOrigin = await fetch(`${B.url}/api/my/sessions/revoke-all`, { method: "POST", headers: { cookie, origin: B.url, "x-forwarded-for": randomIp() } });
    expect(withOrigin.status).toBe(200);
    expect(await refusedWithin(s.access_token)).toBeLessThan(1000);
    expect((await fetch(`${A.url}/api/my/account`, { headers: { cookie, "x-forwarded-for": randomIp() } })).status).toBe(401);
  });

  it("5 failed password sign-ins via the gateway block the account (even with the right password, from another IP); audited", async () => {
    const email = await newUser();
    const via = (ip: string) =>
      createClient(A.url, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false }, global: { headers: { "x-forwarded-for": ip } } });
    const attacker = via(randomIp());
    for (let i = 0; i < 5; i++) {
      const { error } = await attacker.auth.signInWithPassword({ email, password: `wrong-${i}-password` });
      expect(error?.status).toBe(400);
    }
    // failure tracking runs after the response (after()): wait until the lock shows up
    let blocked = false;
    for (let i = 0; i < 40 && !blocked; i++) {
      const res = await fetch(`${B.url}/auth/v1/token?grant_type=password`, {
        method: "POST",
        headers: { apikey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, "content-type": "application/json", "x-forwarded-for": randomIp() },
        body: JSON.stringify({ email, password }),
      });
      blocked = res.status === 429;
      if (blocked) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(1700);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(blocked).toBe(true);
    // another account from a fresh IP is unaffected; its success is audited
    const other = await newUser();
    const ok = await via(randomIp()).auth.signInWithPassword({ email: other, password });
    expect(ok.error).toBeNull();
    const events = async () =>
      (await pool.query("SELECT event FROM public.audit_logs WHERE target = $1 OR actor_user_id = $2", [`acct:${email}`, ok.data.user!.id])).rows.map((r) => r.event);
    let seen: string[] = [];
    for (let i = 0; i < 50; i++) {
      seen = await events();
      if (seen.includes("authn_login_lock") && seen.includes("authn_login_success")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toEqual(expect.arrayContaining(["authn_login_fail_max", "authn_login_lock", "authn_login_success"]));
  });
});

describe("MFA verification failures at the gateway", () => {
  it("5 wrong TOTP codes lock the account key for MFA (audited), and a correct code is then refused with 429", async () => {
    const email = await newUser();
    const s = await device(email);
    const c = createClient(A.url, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { headers: { "x-forwarded-for": randomIp() } },
    });
    expect((await c.auth.setSession({ access_token: s.access_token, refresh_token: s.refresh_token })).error).toBeNull();
    const enroll = await c.auth.mfa.enroll({ factorType: "totp", friendlyName: "mfa-lock" });
    expect(enroll.error).toBeNull();
    const secret = enroll.data!.totp.secret;
    const good = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    const wrong = good === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const ch = await c.auth.mfa.challenge({ factorId: enroll.data!.id });
      const v = await c.auth.mfa.verify({ factorId: enroll.data!.id, challengeId: ch.data!.id, code: wrong });
      expect(v.error).not.toBeNull();
    }
    let events: string[] = [];
    for (let i = 0; i < 50 && !events.includes("authn_login_lock"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = (await pool.query("SELECT event FROM public.audit_logs WHERE target = $1", [`acct:${s.user.id}`])).rows.map((r) => r.event);
    }
    expect(events).toEqual(expect.arrayContaining(["authn_login_fail_max", "authn_login_lock"]));
    const ch = await c.auth.mfa.challenge({ factorId: enroll.data!.id });
    const v = await c.auth.mfa.verify({ factorId: enroll.data!.id, challengeId: ch.data?.id ?? "x", code: good });
    expect(v.error?.status).toBe(429);
  });
});

describe("Edge audit queue", () => {
  it("an event queued from the Edge (Redis list) reaches public.audit_logs via the app's periodic drain", async () => {
    const marker = `edge-test:${randomUUID()}`;
    const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
    await queueAuditEvent(redis, { event: "excess_rate_limit_exceeded", outcome: "failure", ip: "198.51.100.9", target: marker });
    let rows: unknown[] = [];
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = (await pool.query("SELECT event FROM public.audit_logs WHERE target = $1", [marker])).rows;
    }
    expect(rows).toEqual([{ event: "excess_rate_limit_exceeded" }]);
  });
});
