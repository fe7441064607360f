/**
 * local/auth core endpoints driven by the REAL @supabase/supabase-js client (and raw HTTP where the wire
 * format itself is the subject): signup, password grant, getUser/getClaims, refresh rotation + reuse,
 * logout scopes, PUT /user, admin users, PKCE grant, rate limits, bad input.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthApiError, AuthWeakPasswordError, createClient, isAuthSessionMissingError } from "@supabase/supabase-js";
import bcrypt from "bcryptjs";
import { createFlowState, issueAuthCode } from "./flow-state";
import { startTestAuthServer, type TestAuthServer } from "./testing";

const V = { "X-Supabase-Api-Version": "2024-01-01", "Content-Type": "application/json" };
const PASSWORD = "correct-horse-9";
let seq = 0;
const email = (tag = "u") => `${tag}.${Date.now().toString(36)}.${++seq}@example.com`;

async function sessionsOf(t: TestAuthServer, userId: string) {
  return (await t.db.query<{ id: string; aal: string; ip: string | null; user_agent: string | null; refreshed_at: Date | null }>(
    "select id, aal, host(ip) as ip, user_agent, refreshed_at from auth.sessions where user_id = $1",
    [userId],
  )).rows;
}

describe("local/auth with autoconfirm (Supabase CLI default)", () => {
  let t: TestAuthServer;
  beforeAll(async () => {
    t = await startTestAuthServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("signs up with a session, confirmed user and email identity", async () => {
    const addr = email("signup");
    const { data, error } = await t.client().auth.signUp({ email: addr, password: PASSWORD, options: { data: { name: "Ada" } } });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    expect(data.session?.token_type).toBe("bearer");
    expect(data.user?.email).toBe(addr);
    expect(data.user?.email_confirmed_at).toBeTruthy();
    expect(data.user?.user_metadata).toEqual({ name: "Ada", email_verified: true });
    expect(data.user?.app_metadata).toEqual({ provider: "email", providers: ["email"] });
    expect(data.user?.identities?.[0]?.provider).toBe("email");
    expect(data.user?.is_anonymous).toBe(false);
    const rows = (await t.db.query("select encrypted_password from auth.users where id = $1", [data.user!.id])).rows;
    expect(rows[0].encrypted_password).toMatch(/^\$2[aby]\$10\$/);
  });

  it("rejects duplicate, weak, invalid and empty sign-ups with GoTrue's codes", async () => {
    const addr = email("dup");
    const c = t.client();
    expect((await c.auth.signUp({ email: addr, password: PASSWORD })).error).toBeNull();

    const dup = await c.auth.signUp({ email: addr.toUpperCase(), password: PASSWORD });
    expect(dup.error).toBeInstanceOf(AuthApiError);
    expect(dup.error).toMatchObject({ status: 422, code: "user_already_exists", message: "User already registered" });

    const weak = await c.auth.signUp({ email: email("weak"), password: "abc" });
    expect(weak.error).toBeInstanceOf(AuthWeakPasswordError);
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password", message: "Password should be at least 6 characters." });
    expect((weak.error as AuthWeakPasswordError).reasons).toEqual(["length"]);

    const bad = await c.auth.signUp({ email: "not-an-email", password: PASSWORD });
    expect(bad.error).toMatchObject({ status: 400, code: "validation_failed", message: "Unable to validate email address: invalid format" });

    const anon = await c.auth.signInAnonymously();
    expect(anon.error).toMatchObject({ status: 422, code: "anonymous_provider_disabled" });
  });

  it("password sign-in: session, exact invalid_credentials error, stores ip/user agent/aal", async () => {
    const addr = email("signin");
    await t.client().auth.signUp({ email: addr, password: PASSWORD });
    const c = t.client({ headers: { "User-Agent": "vitest-agent/1.0", "X-Forwarded-For": "unknown, 203.0.113.7, 10.0.0.1" } });
    const { data, error } = await c.auth.signInWithPassword({ email: addr, password: PASSWORD });
    expect(error).toBeNull();
    const rows = await sessionsOf(t, data.user!.id);
    expect(rows.length).toBe(2);
    const sid = JSON.parse(Buffer.from(data.session!.access_token.split(".")[1]!, "base64url").toString()).session_id;
    expect(rows.find((r) => r.id === sid)).toMatchObject({ user_agent: "vitest-agent/1.0", ip: "203.0.113.7", aal: "aal1" });

    const wrong = await t.client().auth.signInWithPassword({ email: addr, password: "wrong-password" });
    expect(wrong.error).toBeInstanceOf(AuthApiError);
    expect(wrong.error).toMatchObject({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
    expect(wrong.data.session).toBeNull();
    // a password that predates the current rules still signs in, flagged as weak (GoTrue's weak_password on the session)
    const legacyEmail = email("legacy");
    const hash = bcrypt.hashSync("abc", 4);
    expect((await t.adminClient().auth.admin.createUser({ email: legacyEmail, password_hash: hash, email_confirm: true } as never)).error).toBeNull();
    const weakLogin = await t.client().auth.signInWithPassword({ email: legacyEmail, password: "abc" });
    expect(weakLogin.error).toBeNull();
    expect(weakLogin.data.weakPassword).toEqual({ message: "Password should be at least 6 characters.", reasons: ["length"] });
    const unknown = await t.client().auth.signInWithPassword({ email: email("nobody"), password: PASSWORD });
    expect(unknown.error).toMatchObject({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
  });

  it("getUser returns the user; getClaims verifies through JWKS without calling /user", async () => {
    const addr = email("claims");
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    };
    const c = t.client({ fetch: recording });
    const { data } = await c.auth.signUp({ email: addr, password: PASSWORD });
    const session = data.session!;

    const u = await c.auth.getUser(session.access_token);
    expect(u.error).toBeNull();
    expect(u.data.user?.email).toBe(addr);
    // a validly signed token for another audience is refused (GoTrue's UserGet audience check)
    const payload = JSON.parse(Buffer.from(session.access_token.split(".")[1]!, "base64url").toString());
    const otherAud = await t.server.ctx.keys.sign({ ...payload, aud: "other-service" });
    expect((await c.auth.getUser(otherAud)).error).toMatchObject({ status: 400, code: "validation_failed" });

    calls.length = 0;
    const claims = await c.auth.getClaims(session.access_token);
    expect(claims.error).toBeNull();
    expect(claims.data?.header.alg).toBe("ES256");
    expect(claims.data?.header.kid).toBeTruthy();
    expect(claims.data?.claims).toMatchObject({
      iss: `${t.url}/auth/v1`,
      sub: data.user!.id,
      aud: "authenticated",
      role: "authenticated",
      aal: "aal1",
      email: addr,
      is_anonymous: false,
      phone: "",
    });
    const cl = claims.data!.claims as Record<string, unknown>;
    expect(cl.exp).toBe((cl.iat as number) + 3600);
    expect(cl.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((cl.amr as { method: string }[])[0]?.method).toBe("password");
    expect(cl.jti).toBeUndefined();
    expect(cl.nbf).toBeUndefined();
    expect(calls.some((u) => u.endsWith("/auth/v1/.well-known/jwks.json"))).toBe(true);
    expect(calls.some((u) => u.includes("/auth/v1/user"))).toBe(false);

    // a tampered token fails locally
    const [h, p] = session.access_token.split(".");
    const forged = `${h}.${p}.${Buffer.from(randomBytes(64)).toString("base64url")}`;
    const bad = await c.auth.getClaims(forged);
    expect(bad.error).toBeTruthy();
  });

  it("publishes only public keys in the JWKS, cacheable for 10 minutes", async () => {
    const res = await fetch(`${t.url}/auth/v1/.well-known/jwks.json`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=600");
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", key_ops: ["verify"] });
    expect(keys[0]!.d).toBeUndefined();
  });

  it("rotates refresh tokens; the previous token returns the active one; session refreshed_at is stamped", async () => {
    const c = t.client();
    const { data } = await c.auth.signUp({ email: email("refresh"), password: PASSWORD });
    const first = data.session!.refresh_token;
    const r1 = await c.auth.refreshSession({ refresh_token: first });
    expect(r1.error).toBeNull();
    const second = r1.data.session!.refresh_token;
    expect(second).not.toBe(first);
    // a second tab refreshing with the same (now revoked) token gets the active child, not an error
    const again = await t.client().auth.refreshSession({ refresh_token: first });
    expect(again.error).toBeNull();
    expect(again.data.session!.refresh_token).toBe(second);
    const rows = await sessionsOf(t, data.user!.id);
    expect(rows[0]!.refreshed_at).toBeTruthy();
    const tokens = (await t.db.query("select token, revoked, parent from auth.refresh_tokens where session_id = $1 order by id", [rows[0]!.id])).rows;
    expect(tokens).toEqual([
      { token: first, revoked: true, parent: null },
      { token: second, revoked: false, parent: first },
    ]);
    // two tabs refreshing with the same token at the same moment both stay signed in, with the same new token
    const [tabA, tabB] = await Promise.all([
      t.client().auth.refreshSession({ refresh_token: second }),
      t.client().auth.refreshSession({ refresh_token: second }),
    ]);
    expect(tabA.error).toBeNull();
    expect(tabB.error).toBeNull();
    expect(tabA.data.session!.refresh_token).toBe(tabB.data.session!.refresh_token);
    expect(tabA.data.session!.refresh_token).not.toBe(second);
    const unknown = await t.client().auth.refreshSession({ refresh_token: "x".repeat(32) });
    expect(unknown.error).toMatchObject({ status: 400, code: "refresh_token_not_found" });
  });

  it("signOut scopes delete the right session rows (refresh tokens cascade)", async () => {
    const addr = email("logout");
    await t.client().auth.signUp({ email: addr, password: PASSWORD });
    const clients = [t.client(), t.client(), t.client()];
    const sessions = [];
    for (const c of clients) sessions.push((await c.auth.signInWithPassword({ email: addr, password: PASSWORD })).data.session!);
    const userId = sessions[0]!.user.id;
    expect((await sessionsOf(t, userId)).length).toBe(4);

    expect((await clients[0]!.auth.signOut({ scope: "others" })).error).toBeNull();
    const left = await sessionsOf(t, userId);
    expect(left.length).toBe(1);
    const claims0 = JSON.parse(Buffer.from(sessions[0]!.access_token.split(".")[1]!, "base64url").toString());
    expect(left[0]!.id).toBe(claims0.session_id);
    // a signed-out session's access token is rejected (session_not_found → AuthSessionMissingError)
    const gone = await t.client().auth.getUser(sessions[1]!.access_token);
    expect(isAuthSessionMissingError(gone.error)).toBe(true);
    const rt = await t.client().auth.refreshSession({ refresh_token: sessions[1]!.refresh_token });
    expect(rt.error).toMatchObject({ code: "refresh_token_not_found" });

    expect((await clients[0]!.auth.signOut({ scope: "local" })).error).toBeNull();
    expect((await sessionsOf(t, userId)).length).toBe(0);
    expect((await t.db.query("select count(*)::int as n from auth.refresh_tokens where user_id = $1", [userId])).rows[0].n).toBe(0);

    const a = t.client();
    const b = t.client();
    await a.auth.signInWithPassword({ email: addr, password: PASSWORD });
    await b.auth.signInWithPassword({ email: addr, password: PASSWORD });
    expect((await sessionsOf(t, userId)).length).toBe(2);
    expect((await a.auth.signOut({ scope: "global" })).error).toBeNull();
    expect((await sessionsOf(t, userId)).length).toBe(0);
  });

  it("PUT /user: password change ends the other sessions, same_password, metadata merge", async () => {
    const addr = email("update");
    const a = t.client();
    const b = t.client();
    await a.auth.signUp({ email: addr, password: PASSWORD });
    const sb = (await b.auth.signInWithPassword({ email: addr, password: PASSWORD })).data.session!;
    const same = await a.auth.updateUser({ password: PASSWORD });
    expect(same.error).toMatchObject({ status: 422, code: "same_password", message: "New password should be different from the old password." });
    const weak = await a.auth.updateUser({ password: "123" });
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password" });

    const upd = await a.auth.updateUser({ password: "new-password-42", data: { theme: "dark" } });
    expect(upd.error).toBeNull();
    expect(upd.data.user?.user_metadata).toMatchObject({ theme: "dark" });
    const rows = await sessionsOf(t, upd.data.user!.id);
    expect(rows.length).toBe(1);
    expect(isAuthSessionMissingError((await t.client().auth.getUser(sb.access_token)).error)).toBe(true);
    expect((await t.client().auth.signInWithPassword({ email: addr, password: PASSWORD })).error?.code).toBe("invalid_credentials");
    expect((await t.client().auth.signInWithPassword({ email: addr, password: "new-password-42" })).error).toBeNull();

    const removed = await a.auth.updateUser({ data: { theme: null } });
    expect(removed.data.user?.user_metadata).not.toHaveProperty("theme");
    const notAdmin = await fetch(`${t.url}/auth/v1/user`, {
      method: "PUT",
      headers: { ...V, Authorization: `Bearer ${(await a.auth.getSession()).data.session!.access_token}` },
      body: JSON.stringify({ app_metadata: { role: "admin" } }),
    });
    expect(notAdmin.status).toBe(403);
    expect(await notAdmin.json()).toMatchObject({ code: "not_admin" });
  });

  it("admin API: create, list with pagination headers, get, update, ban/unban, delete", async () => {
    const admin = t.adminClient().auth.admin;
    const created = [];
    for (let i = 0; i < 3; i++) {
      const r = await admin.createUser({ email: email("admin"), password: PASSWORD, email_confirm: true, user_metadata: { i } });
      expect(r.error).toBeNull();
      created.push(r.data.user!);
    }
    const dup = await admin.createUser({ email: created[0]!.email!, password: PASSWORD });
    expect(dup.error).toMatchObject({ status: 422, code: "email_exists" });
    const chosenId = "6f1c1c7e-8a54-4d3e-9a55-0c6c8f0b1a01";
    const withId = await admin.createUser({ id: chosenId, email: email("withid"), password: PASSWORD, email_confirm: true });
    expect(withId.data.user?.id).toBe(chosenId);
    const filtered = await fetch(`${t.url}/auth/v1/admin/users?filter=withid`, { headers: { apikey: t.secretKey, Authorization: `Bearer ${t.secretKey}` } });
    expect(((await filtered.json()) as { users: { id: string }[] }).users.map((u) => u.id)).toEqual([chosenId]);

    const res = await fetch(`${t.url}/auth/v1/admin/users?page=1&per_page=2`, { headers: { apikey: t.secretKey, Authorization: `Bearer ${t.secretKey}` } });
    const total = Number(res.headers.get("x-total-count"));
    expect(total).toBeGreaterThanOrEqual(3);
    expect(res.headers.get("link")).toBe(`</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=${Math.ceil(total / 2)}&per_page=2>; rel="last"`);
    const list = await admin.listUsers({ page: 1, perPage: 2 });
    expect(list.error).toBeNull();
    expect(list.data.users.length).toBe(2);
    expect(list.data).toMatchObject({ aud: "authenticated", total, nextPage: 2 });

    const got = await admin.getUserById(created[1]!.id);
    expect(got.data.user?.user_metadata).toEqual({ i: 1, email_verified: true });
    const missing = await admin.getUserById("00000000-0000-4000-8000-000000000000");
    expect(missing.error).toMatchObject({ status: 404, code: "user_not_found" });

    // ban: sessions end, sign-in and refresh refused, existing access token refused
    const victim = created[2]!;
    const c = t.client();
    const s = (await c.auth.signInWithPassword({ email: victim.email!, password: PASSWORD })).data.session!;
    const banned = await admin.updateUserById(victim.id, { ban_duration: "24h" });
    expect(banned.error).toBeNull();
    expect(new Date(banned.data.user!.banned_until!).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect((await sessionsOf(t, victim.id)).length).toBe(0);
    const again = await t.client().auth.signInWithPassword({ email: victim.email!, password: PASSWORD });
    expect(again.error).toMatchObject({ status: 400, code: "user_banned" });
    // the ban ended the session, so its still-unexpired access token no longer resolves
    const getU = await t.client().auth.getUser(s.access_token);
    expect(isAuthSessionMissingError(getU.error)).toBe(true);
    const unbanned = await admin.updateUserById(victim.id, { ban_duration: "none" });
    expect(unbanned.data.user?.banned_until).toBeUndefined();
    expect((await t.client().auth.signInWithPassword({ email: victim.email!, password: PASSWORD })).error).toBeNull();
    const badBan = await admin.updateUserById(victim.id, { ban_duration: "forever" });
    expect(badBan.error).toMatchObject({ status: 400, code: "validation_failed" });

    const upd = await admin.updateUserById(victim.id, { user_metadata: { plan: "pro" }, app_metadata: { tier: 2 } });
    expect(upd.data.user?.user_metadata).toEqual({ i: 2, email_verified: true, plan: "pro" });
    expect(upd.data.user?.app_metadata).toMatchObject({ provider: "email", tier: 2 });

    const del = await admin.deleteUser(victim.id);
    expect(del.error).toBeNull();
    expect((await admin.getUserById(victim.id)).error).toMatchObject({ status: 404, code: "user_not_found" });
    expect((await t.db.query("select count(*)::int as n from auth.identities where user_id = $1", [victim.id])).rows[0].n).toBe(0);
  });

  it("admin API needs a service_role bearer; the legacy service_role JWT works too", async () => {
    const pub = await t.client().auth.admin.listUsers();
    expect(pub.error).toMatchObject({ status: 403, code: "not_admin" });
    const legacy = createClient(t.url, t.server.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
    expect((await legacy.auth.admin.listUsers()).error).toBeNull();
    const none = await fetch(`${t.url}/auth/v1/admin/users`);
    expect(none.status).toBe(401);
    const badKey = await fetch(`${t.url}/auth/v1/admin/users`, { headers: { apikey: "sb_secret_wrong", Authorization: "Bearer sb_secret_wrong" } });
    expect(badKey.status).toBe(401);
  });

  it("pkce grant: session for a valid verifier; not found, bad verifier, expired", async () => {
    const { data } = await t.adminClient().auth.admin.createUser({ email: email("pkce"), password: PASSWORD, email_confirm: true });
    const userId = data.user!.id;
    const verifier = randomBytes(48).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const post = (body: unknown) =>
      fetch(`${t.url}/auth/v1/token?grant_type=pkce`, { method: "POST", headers: V, body: JSON.stringify(body) });

    await createFlowState(t.db, { userId, codeChallenge: challenge, codeChallengeMethod: "s256", authenticationMethod: "recovery" });
    const code = await issueAuthCode(t.db, userId, "recovery");
    const bad = await post({ auth_code: code, code_verifier: "x".repeat(43) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "bad_code_verifier" });
    const ok = await post({ auth_code: code, code_verifier: verifier });
    expect(ok.status).toBe(200);
    const session = (await ok.json()) as { access_token: string; user: { id: string } };
    expect(session.user.id).toBe(userId);
    const amr = JSON.parse(Buffer.from(session.access_token.split(".")[1]!, "base64url").toString()).amr;
    expect(amr[0].method).toBe("recovery");
    const reused = await post({ auth_code: code, code_verifier: verifier });
    expect(reused.status).toBe(404);
    expect(await reused.json()).toMatchObject({ code: "flow_state_not_found" });

    await createFlowState(t.db, { userId, codeChallenge: challenge, codeChallengeMethod: "s256", authenticationMethod: "recovery" });
    const code2 = await issueAuthCode(t.db, userId, "recovery");
    await t.db.query("update auth.flow_state set created_at = now() - interval '301 seconds' where auth_code = $1", [code2]);
    const expired = await post({ auth_code: code2, code_verifier: verifier });
    expect(expired.status).toBe(422);
    expect(await expired.json()).toMatchObject({ code: "flow_state_expired" });

    const empty = await post({ auth_code: "", code_verifier: "" });
    expect(empty.status).toBe(400);
  });

  it("bad input gets GoTrue's 4xx codes, never a 500", async () => {
    const post = (path: string, body: string, headers: Record<string, string> = V) =>
      fetch(`${t.url}/auth/v1${path}`, { method: "POST", headers, body });
    const cases: [string, string, number, string][] = [
      ["/signup", "{not json", 400, "bad_json"],
      ["/signup", "[1,2]", 400, "bad_json"],
      ["/signup", JSON.stringify({ email: 123, password: PASSWORD }), 400, "bad_json"],
      ["/signup", JSON.stringify({ email: email(), password: PASSWORD, data: "x" }), 400, "bad_json"],
      ["/token?grant_type=password", JSON.stringify({ email: ["a"], password: PASSWORD }), 400, "bad_json"],
      ["/token?grant_type=password", JSON.stringify({}), 400, "validation_failed"],
      ["/token?grant_type=magic", JSON.stringify({}), 400, "invalid_credentials"],
      ["/token", JSON.stringify({}), 400, "invalid_credentials"],
      ["/token?grant_type=refresh_token", JSON.stringify({ refresh_token: "short" }), 400, "validation_failed"],
      ["/token?grant_type=id_token", JSON.stringify({ id_token: "x", provider: "google" }), 400, "provider_disabled"],
      ["/signup", JSON.stringify({ email: email(), password: PASSWORD, code_challenge: "abc", code_challenge_method: "s256" }), 400, "validation_failed"],
      ["/signup", JSON.stringify({ phone: "+15555550100", password: PASSWORD }), 400, "phone_provider_disabled"],
      ["/signup", "x".repeat(2 * 1024 * 1024), 413, "request_entity_too_large"],
      ["/signup", `{"email":"${email()}","password":"${PASSWORD}","data":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`, 400, "bad_json"],
      ["/signup", JSON.stringify({ email: email(), password: PASSWORD, data: { a: "\u0000" } }), 400, "validation_failed"],
      ["/signup", JSON.stringify({ email: email(), password: "p".repeat(73) }), 400, "validation_failed"],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await post(path, body);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(await res.json()).toMatchObject({ code });
      expect(res.headers.get("x-sb-error-code")).toBe(code);
    }
    // a chunked body (no Content-Length) over the limit is cut off too
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await fetch(`${t.url}/auth/v1/signup`, { method: "POST", headers: V, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ code: "request_entity_too_large" });
    const unknownGrant = await post("/token?grant_type=magic", "{}");
    expect(await unknownGrant.json()).toEqual({ code: "invalid_credentials", message: "unsupported_grant_type" });

    // legacy error shape without the API version header
    const legacy = await post("/signup", "{oops", { "Content-Type": "application/json" });
    expect(legacy.headers.get("x-supabase-api-version")).toBeNull();
    expect(await legacy.json()).toMatchObject({ code: 400, error_code: "bad_json" });

    const adminHeaders = { apikey: t.secretKey, Authorization: `Bearer ${t.secretKey}` };
    const badId = await fetch(`${t.url}/auth/v1/admin/users/not-a-uuid`, { headers: { ...adminHeaders, ...V } });
    expect(badId.status).toBe(404);
    expect(await badId.json()).toMatchObject({ code: "validation_failed" });
    const badPage = await fetch(`${t.url}/auth/v1/admin/users?page=-1`, { headers: { ...adminHeaders, ...V } });
    expect(badPage.status).toBe(400);
    const someone = (await t.adminClient().auth.admin.createUser({ email: email("scope"), password: PASSWORD, email_confirm: true })).data.user!;
    const someSession = (await t.client().auth.signInWithPassword({ email: someone.email!, password: PASSWORD })).data.session!;
    const badScope = await fetch(`${t.url}/auth/v1/logout?scope=everything`, { method: "POST", headers: { ...V, Authorization: `Bearer ${someSession.access_token}` } });
    expect(badScope.status).toBe(400);
    expect(await badScope.json()).toEqual({ code: "validation_failed", message: 'Unsupported logout scope "everything"' });
    const noAuthLogout = await fetch(`${t.url}/auth/v1/logout`, { method: "POST", headers: V });
    expect(noAuthLogout.status).toBe(401);
    const garbageJwt = await fetch(`${t.url}/auth/v1/user`, { headers: { ...V, Authorization: "Bearer abc.def.ghi" } });
    expect(garbageJwt.status).toBe(403);
    expect(await garbageJwt.json()).toMatchObject({ code: "bad_jwt" });
    const noAuth = await fetch(`${t.url}/auth/v1/user`, { headers: V });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ code: "no_authorization", message: "This endpoint requires a valid Bearer token" });
    const disabled = await fetch(`${t.url}/auth/v1/sso`, { method: "POST", headers: V, body: "{}" });
    expect(disabled.status).toBe(404);
    expect(await disabled.json()).toEqual({ code: "saml_provider_disabled", message: "SAML 2.0 is disabled" });
    const google = await fetch(`${t.url}/auth/v1/authorize?provider=google&redirect_to=http://localhost:3000`, { headers: V });
    expect(google.status).toBe(400);
    expect(await google.json()).toEqual({ code: "validation_failed", message: "Unsupported provider: provider is not enabled" });
    const passkeys = await fetch(`${t.url}/auth/v1/passkeys/authentication/options`, { method: "POST", headers: V, body: "{}" });
    expect(await passkeys.json()).toMatchObject({ code: "passkey_disabled" });
    const oauth = await fetch(`${t.url}/auth/v1/oauth/token`, { method: "POST", headers: V, body: "{}" });
    expect(oauth.status).toBe(404);
    const web3 = await post("/token?grant_type=web3", "{}");
    expect(web3.status).toBe(422);
    expect(await web3.json()).toMatchObject({ code: "web3_provider_disabled" });
    const phoneLogin = await post("/token?grant_type=password", JSON.stringify({ phone: "+15555550100", password: PASSWORD }));
    expect(await phoneLogin.json()).toMatchObject({ code: "phone_provider_disabled" });
  });

  it("answers CORS preflights exposing the headers the client reads", async () => {
    const res = await fetch(`${t.url}/auth/v1/token?grant_type=password`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "apikey,x-supabase-api-version" },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const get = await fetch(`${t.url}/auth/v1/settings`, { headers: { Origin: "http://localhost:3000" } });
    expect(get.headers.get("access-control-expose-headers")).toContain("X-Total-Count");
    expect(await get.json()).toMatchObject({ mailer_autoconfirm: true, disable_signup: false, external: { email: true, google: false } });
  });
});

describe("local/auth without autoconfirm, strict refresh reuse and low rate limits", () => {
  let t: TestAuthServer;
  beforeAll(async () => {
    t = await startTestAuthServer({
      env: {
        GOTRUE_MAILER_AUTOCONFIRM: "false",
        GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: "0",
        GOTRUE_RATE_LIMIT_OTP: "3",
      },
      mail: true,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("signs up without a session; sign-in says email_not_confirmed; PKCE signup stores a flow state", async () => {
    const addr = email("unconfirmed");
    const { data, error } = await t.client().auth.signUp({ email: addr, password: PASSWORD });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user?.email).toBe(addr);
    expect(data.user?.email_confirmed_at).toBeUndefined();
    expect(data.user?.confirmation_sent_at).toBeTruthy();
    const si = await t.client().auth.signInWithPassword({ email: addr, password: PASSWORD });
    expect(si.error).toMatchObject({ status: 400, code: "email_not_confirmed", message: "Email not confirmed" });

    const verifier = randomBytes(48).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const addr2 = email("pkcesignup");
    const res = await fetch(`${t.url}/auth/v1/signup`, {
      method: "POST",
      headers: V,
      body: JSON.stringify({ email: addr2, password: PASSWORD, code_challenge: challenge, code_challenge_method: "s256" }),
    });
    expect(res.status).toBe(200);
    const u = (await res.json()) as { id: string };
    const fs = (await t.db.query("select authentication_method, code_challenge_method::text as m from auth.flow_state where user_id = $1", [u.id])).rows;
    expect(fs).toEqual([{ authentication_method: "email/signup", m: "s256" }]);

    // a confirmed address signing up again gets an obfuscated user, not an error (no enumeration)
    await t.db.query("update auth.users set email_confirmed_at = now() where id = $1", [data.user!.id]);
    const again = await t.client().auth.signUp({ email: addr, password: PASSWORD });
    expect(again.error).toBeNull();
    expect(again.data.user?.id).not.toBe(data.user!.id);
    expect(again.data.user?.identities).toEqual([]);
  });

  it("reuse of a rotated refresh token outside the interval revokes the whole family", async () => {
    const { data } = await t.adminClient().auth.admin.createUser({ email: email("reuse"), password: PASSWORD, email_confirm: true });
    const c = t.client();
    const s0 = (await c.auth.signInWithPassword({ email: data.user!.email!, password: PASSWORD })).data.session!;
    const s1 = (await c.auth.refreshSession({ refresh_token: s0.refresh_token })).data.session!;
    const s2 = (await c.auth.refreshSession({ refresh_token: s1.refresh_token })).data.session!;
    expect(s2.refresh_token).not.toBe(s1.refresh_token);
    // s0's token is not the parent of the active one → reuse → family revoked
    const stolen = await t.client().auth.refreshSession({ refresh_token: s0.refresh_token });
    expect(stolen.error).toMatchObject({ status: 400, code: "refresh_token_already_used", message: "Invalid Refresh Token: Already Used" });
    const legit = await t.client().auth.refreshSession({ refresh_token: s2.refresh_token });
    expect(legit.error).toMatchObject({ status: 400, code: "refresh_token_already_used" });
    const live = (await t.db.query("select count(*)::int as n from auth.refresh_tokens where user_id = $1 and not revoked", [data.user!.id])).rows[0].n;
    expect(live).toBe(0);
  });

  it("429 over_request_rate_limit per Sb-Forwarded-For IP, GoTrue's burst of 30 on /token", async () => {
    const hit = (ip: string | null) =>
      fetch(`${t.url}/auth/v1/token?grant_type=refresh_token`, {
        method: "POST",
        headers: { ...V, ...(ip ? { "Sb-Forwarded-For": ip } : {}) },
        body: JSON.stringify({ refresh_token: "y".repeat(32) }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await hit("198.51.100.1")).status);
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
    expect(statuses[30]).toBe(429);
    const limited = await hit("198.51.100.1");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ code: "over_request_rate_limit", message: "Request rate limit reached" });
    expect((await hit("198.51.100.2")).status).toBe(400);
    expect((await hit(null)).status).toBe(400);
    // like GoTrue, a Sb-Forwarded-For that is not an IP address does not key a limit
    const garbage = [];
    for (let i = 0; i < 32; i++) garbage.push((await hit("not-an-ip")).status);
    expect(garbage.every((s) => s === 400)).toBe(true);

    // signup shares GOTRUE_RATE_LIMIT_OTP (3 here) through supabase-js
    const c = t.client({ headers: { "Sb-Forwarded-For": "198.51.100.9" } });
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push((await c.auth.signUp({ email: email("rl"), password: PASSWORD })).error);
    expect(errors.slice(0, 3)).toEqual([null, null, null]);
    expect(errors[3]).toMatchObject({ status: 429, code: "over_request_rate_limit" });
  });
});
