/**
 * local/auth signing modes and secure password change, through the real supabase-js client:
 * RS256 from GOTRUE_JWT_KEYS verified via JWKS, legacy HS256 (getClaims falls back to GET /user),
 * reauthentication nonce and current-password rules on PUT /user.
 */
import { generateKeyPair, exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAuthServer, type TestAuthServer } from "./testing";
import { tokenHash } from "./one-time-tokens";

const PASSWORD = "correct-horse-9";
let seq = 0;
const email = (tag: string) => `${tag}.${Date.now().toString(36)}.${++seq}@example.com`;

function recordingFetch(calls: string[]): typeof fetch {
  return (input, init) => {
    calls.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    return fetch(input, init);
  };
}

describe("GOTRUE_JWT_KEYS with an RS256 signing key", () => {
  let t: TestAuthServer;
  beforeAll(async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(rsa.privateKey)), kid: "test-rsa", alg: "RS256", key_ops: ["sign", "verify"] };
    t = await startTestAuthServer({ env: { GOTRUE_JWT_KEYS: JSON.stringify([jwk]) } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("issues RS256 tokens that getClaims verifies through the JWKS", async () => {
    const calls: string[] = [];
    const c = t.client({ fetch: recordingFetch(calls) });
    const { data } = await c.auth.signUp({ email: email("rsa"), password: PASSWORD });
    calls.length = 0;
    const claims = await c.auth.getClaims(data.session!.access_token);
    expect(claims.error).toBeNull();
    expect(claims.data?.header).toMatchObject({ alg: "RS256", kid: "test-rsa" });
    expect(calls.some((u) => u.includes("/auth/v1/user"))).toBe(false);
    // the project keys map to role JWTs signed with the same key
    expect((await t.adminClient().auth.admin.listUsers()).error).toBeNull();
  });
});

describe("legacy HS256 mode (GOTRUE_JWT_SECRET only)", () => {
  let t: TestAuthServer;
  beforeAll(async () => {
    t = await startTestAuthServer({ env: { GOTRUE_JWT_SECRET: "super-secret-jwt-token-with-at-least-32-characters-long" } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("signs HS256 without kid, publishes an empty JWKS, and getClaims has to ask GET /user", async () => {
    const calls: string[] = [];
    const c = t.client({ fetch: recordingFetch(calls) });
    const { data } = await c.auth.signUp({ email: email("hs"), password: PASSWORD });
    const header = JSON.parse(Buffer.from(data.session!.access_token.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    const jwks = await (await fetch(`${t.url}/auth/v1/.well-known/jwks.json`)).json();
    expect(jwks).toEqual({ keys: [] });
    calls.length = 0;
    const claims = await c.auth.getClaims(data.session!.access_token);
    expect(claims.error).toBeNull();
    expect(calls.some((u) => u.endsWith("/auth/v1/user"))).toBe(true);
    expect((await t.adminClient().auth.admin.listUsers()).error).toBeNull();
  });
});

describe("secure password change", () => {
  let t: TestAuthServer;
  beforeAll(async () => {
    t = await startTestAuthServer({
      env: { GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: "true", GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: "true" },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("asks sessions older than 24h for the reauthentication nonce and checks it", async () => {
    const addr = email("reauth");
    const c = t.client();
    const { data } = await c.auth.signUp({ email: addr, password: PASSWORD });
    const userId = data.user!.id;
    await t.db.query("update auth.sessions set created_at = now() - interval '25 hours' where user_id = $1", [userId]);

    const none = await c.auth.updateUser({ password: "another-pass-1", current_password: PASSWORD });
    expect(none.error).toMatchObject({ status: 400, code: "reauthentication_needed", message: "Password update requires reauthentication" });
    const unsent = await c.auth.updateUser({ password: "another-pass-1", current_password: PASSWORD, nonce: "123456" });
    expect(unsent.error).toMatchObject({ status: 422, code: "reauthentication_not_valid", message: "Nonce has expired or is invalid" });

    // what GET /reauthenticate stores: the hash of email + nonce and the send time
    await t.db.query("update auth.users set reauthentication_token = $2, reauthentication_sent_at = now() where id = $1", [userId, tokenHash(addr, "654321")]);
    const wrong = await c.auth.updateUser({ password: "another-pass-1", current_password: PASSWORD, nonce: "111111" });
    expect(wrong.error).toMatchObject({ status: 422, code: "reauthentication_not_valid" });
    await t.db.query("update auth.users set reauthentication_sent_at = now() - interval '2 hours' where id = $1", [userId]);
    const stale = await c.auth.updateUser({ password: "another-pass-1", current_password: PASSWORD, nonce: "654321" });
    expect(stale.error).toMatchObject({ status: 422, code: "reauthentication_not_valid" });
    await t.db.query("update auth.users set reauthentication_sent_at = now() where id = $1", [userId]);
    const ok = await c.auth.updateUser({ password: "another-pass-1", current_password: PASSWORD, nonce: "654321" });
    expect(ok.error).toBeNull();
    const row = (await t.db.query("select reauthentication_token, reauthentication_sent_at from auth.users where id = $1", [userId])).rows[0];
    expect(row).toEqual({ reauthentication_token: "", reauthentication_sent_at: null });
    // the nonce is single-use
    const replay = await c.auth.updateUser({ password: "third-pass-1", current_password: "another-pass-1", nonce: "654321" });
    expect(replay.error).toMatchObject({ code: "reauthentication_not_valid" });
  });

  it("requires the current password for a fresh session", async () => {
    const c = t.client();
    await c.auth.signUp({ email: email("current"), password: PASSWORD });
    const missing = await c.auth.updateUser({ password: "another-pass-2" });
    expect(missing.error).toMatchObject({ status: 400, code: "current_password_required" });
    const wrong = await c.auth.updateUser({ password: "another-pass-2", current_password: "not-it-at-all" });
    expect(wrong.error).toMatchObject({ status: 400, code: "current_password_invalid" });
    expect((await c.auth.updateUser({ password: "another-pass-2", current_password: PASSWORD })).error).toBeNull();
  });
});
