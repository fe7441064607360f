/**
 * MFA TOTP against local/auth with the real supabase-js client and codes from otplib: enrol (SVG QR, otpauth
 * URI), challenge, verify → aal2 with amr [totp, password], replay refusal, unenrol rules and downgrade.
 */
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlowTestServer, type FlowTestServer } from "../flows/testing";

let srv: FlowTestServer;
let n = 0;

beforeAll(async () => {
  srv = await startFlowTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

const methods = (amr: unknown) => ((amr as ({ method: string } | string)[] | undefined) ?? []).map((e) => (typeof e === "string" ? e : e.method));

async function signedIn(password = "mfa-password-1") {
  const email = `mfa-${Date.now()}-${n++}@example.com`;
  const sb = srv.client();
  expect((await sb.auth.signUp({ email, password })).error).toBeNull();
  return { sb, email, password };
}

/** A code for a time step after the one given (so the replay guard does not refuse a fresh code). */
async function codeAt(secret: string, offsetSteps = 0) {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

describe("TOTP enrolment and verification", () => {
  it("enrols with an SVG QR code and otpauth URI, verifies to aal2 with amr totp+password, lists the factor as verified", async () => {
    const { sb, email, password } = await signedIn();
    // another aal1 session of the same user, ended by the successful verification (GoTrue)
    const other = srv.client();
    expect((await other.auth.signInWithPassword({ email, password })).error).toBeNull();
    const events: string[] = [];
    sb.auth.onAuthStateChange((e) => void events.push(e));
    const { data: enrolled, error } = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "phone app", issuer: "MindRoom" });
    expect(error).toBeNull();
    if (!enrolled || enrolled.type !== "totp") throw new Error("expected totp");
    expect(enrolled.friendly_name).toBe("phone app");
    expect(enrolled.totp.qr_code.startsWith("data:image/svg+xml;utf-8,<svg")).toBe(true);
    expect(enrolled.totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(enrolled.totp.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(enrolled.totp.secret);
    expect(uri.searchParams.get("issuer")).toBe("MindRoom");
    expect(decodeURIComponent(uri.pathname)).toContain(email);

    const before = await sb.auth.mfa.listFactors();
    expect(before.data?.all[0]?.status).toBe("unverified");
    expect(before.data?.totp).toHaveLength(0);

    const ch = await sb.auth.mfa.challenge({ factorId: enrolled.id });
    expect(ch.error).toBeNull();
    expect(ch.data?.type).toBe("totp");
    const now = Date.now() / 1000;
    expect(ch.data!.expires_at).toBeGreaterThan(now + 250);
    expect(ch.data!.expires_at).toBeLessThanOrEqual(now + 301);

    const sessionBefore = (await sb.auth.getSession()).data.session!;
    const v = await sb.auth.mfa.verify({ factorId: enrolled.id, challengeId: ch.data!.id, code: await codeAt(enrolled.totp.secret) });
    expect(v.error).toBeNull();
    expect(events).toContain("MFA_CHALLENGE_VERIFIED");
    const claims = (await sb.auth.getClaims()).data!.claims;
    expect(claims.aal).toBe("aal2");
    expect(methods(claims.amr)).toEqual(["totp", "password"]);
    // same session, new refresh token
    expect(claims.session_id).toBe((await srv.query<{ id: string }>("select id from auth.sessions where user_id = $1", [claims.sub]))[0]!.id);
    expect(v.data!.refresh_token).not.toBe(sessionBefore.refresh_token);

    const aal = await sb.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(aal.data).toMatchObject({ currentLevel: "aal2", nextLevel: "aal2" });
    const ended = await other.auth.getUser(); // the server said session_not_found; auth-js reports a missing session
    expect(ended.error?.name).toBe("AuthSessionMissingError");
    expect(ended.data.user).toBeNull();
    const after = await sb.auth.mfa.listFactors();
    expect(after.data?.totp.map((f) => f.id)).toEqual([enrolled.id]);
    const rows = await srv.query<{ aal: string; factor_id: string }>("select aal::text, factor_id from auth.sessions where user_id = $1", [claims.sub]);
    expect(rows).toEqual([{ aal: "aal2", factor_id: enrolled.id }]);
  });

  it("refuses a wrong code, a reused code, a verified challenge and a foreign factor", async () => {
    const { sb } = await signedIn();
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp" });
    if (!f || f.type !== "totp") throw new Error("expected totp");
    const ch1 = (await sb.auth.mfa.challenge({ factorId: f.id })).data!;
    const current = await codeAt(f.totp.secret);
    const wrong = current === "000000" ? "111111" : "000000";
    const bad = await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch1.id, code: wrong });
    expect(bad.error?.code).toBe("mfa_verification_failed");
    expect(bad.error?.message).toBe("Invalid TOTP code entered");
    expect(bad.error?.status).toBe(422);

    expect((await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch1.id, code: current })).error).toBeNull();
    const sameChallenge = await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch1.id, code: current });
    expect(sameChallenge.error?.code).toBe("mfa_ip_address_mismatch");
    const ch2 = (await sb.auth.mfa.challenge({ factorId: f.id })).data!;
    const replay = await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch2.id, code: current });
    expect(replay.error?.code).toBe("mfa_verification_failed");
    // the next time step's code is fine
    const next = await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch2.id, code: await codeAt(f.totp.secret, 1) });
    expect(next.error).toBeNull();

    const other = await signedIn();
    const foreign = await other.sb.auth.mfa.challenge({ factorId: f.id });
    expect(foreign.error?.code).toBe("mfa_factor_not_found");
    expect(foreign.error?.status).toBe(404);
  });

  it("refuses an expired challenge and a duplicate friendly name", async () => {
    const { sb } = await signedIn();
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "dup" });
    if (!f || f.type !== "totp") throw new Error("expected totp");
    const dup = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "dup" });
    expect(dup.error?.code).toBe("mfa_factor_name_conflict");
    expect(dup.error?.status).toBe(422);
    const ch = (await sb.auth.mfa.challenge({ factorId: f.id })).data!;
    await srv.query("update auth.mfa_challenges set created_at = now() - interval '10 minutes' where id = $1", [ch.id]);
    const late = await sb.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: await codeAt(f.totp.secret) });
    expect(late.error?.code).toBe("mfa_challenge_expired");
  });

  it("unenrolling a verified factor needs aal2; afterwards sessions are back to aal1", async () => {
    const { sb, email, password } = await signedIn();
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp" });
    if (!f || f.type !== "totp") throw new Error("expected totp");
    const v = await sb.auth.mfa.challengeAndVerify({ factorId: f.id, code: await codeAt(f.totp.secret) });
    expect(v.error).toBeNull();

    // a fresh password sign-in is aal1 and may not remove the verified factor
    const second = srv.client();
    expect((await second.auth.signInWithPassword({ email, password })).error).toBeNull();
    const aal = await second.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(aal.data).toMatchObject({ currentLevel: "aal1", nextLevel: "aal2" });
    const denied = await second.auth.mfa.unenroll({ factorId: f.id });
    expect(denied.error?.code).toBe("insufficient_aal");
    expect(denied.error?.status).toBe(422);
    // nor enrol another one
    const more = await second.auth.mfa.enroll({ factorType: "totp", friendlyName: "second" });
    expect(more.error?.code).toBe("insufficient_aal");

    const ok = await sb.auth.mfa.unenroll({ factorId: f.id });
    expect(ok.error).toBeNull();
    expect(ok.data).toEqual({ id: f.id });
    const sessions = await srv.query<{ aal: string; factor_id: string | null }>(
      "select s.aal::text, s.factor_id from auth.sessions s join auth.users u on u.id = s.user_id where u.email = $1",
      [email],
    );
    expect(sessions.every((s) => s.aal === "aal1" && s.factor_id === null)).toBe(true);
    const refreshed = await sb.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    const claims = (await sb.auth.getClaims()).data!.claims;
    expect(claims.aal).toBe("aal1");
    expect(methods(claims.amr)).not.toContain("totp");
    expect((await sb.auth.mfa.listFactors()).data?.all).toHaveLength(0);
  });

  it("lets an admin list and delete a user's factors (auth.admin.mfa), downgrading the user's sessions", async () => {
    const { sb, email } = await signedIn();
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "admin-test" });
    if (!f || f.type !== "totp") throw new Error("expected totp");
    expect((await sb.auth.mfa.challengeAndVerify({ factorId: f.id, code: await codeAt(f.totp.secret) })).error).toBeNull();
    const userId = (await sb.auth.getUser()).data.user!.id;
    const admin = srv.admin();
    const listed = await admin.auth.admin.mfa.listFactors({ userId });
    expect(listed.error).toBeNull();
    expect(listed.data?.factors.map((x) => [x.id, x.status, x.friendly_name])).toEqual([[f.id, "verified", "admin-test"]]);

    // a user token is not an admin token
    const token = (await sb.auth.getSession()).data.session!.access_token;
    const denied = await fetch(`${srv.auth.url}/auth/v1/admin/users/${userId}/factors/${f.id}`, {
      method: "DELETE",
      headers: { apikey: srv.auth.publishableKey, authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(403);

    const del = await admin.auth.admin.mfa.deleteFactor({ userId, id: f.id });
    expect(del.error).toBeNull();
    // auth-js hands back the raw {data} envelope here; the factor JSON is inside it
    expect((del.data as unknown as { data: { id: string } }).data.id).toBe(f.id);
    expect((await admin.auth.admin.mfa.listFactors({ userId })).data?.factors).toEqual([]);
    const sessions = await srv.query<{ aal: string }>("select s.aal::text from auth.sessions s join auth.users u on u.id = s.user_id where u.email = $1", [email]);
    expect(sessions.map((s) => s.aal)).toEqual(["aal1"]);
    const missing = await admin.auth.admin.mfa.deleteFactor({ userId, id: f.id });
    expect(missing.error?.status).toBe(404);
  });

  it("limits challenge+verify per client IP (Sb-Forwarded-For) with over_request_rate_limit", async () => {
    const { sb } = await signedIn();
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp" });
    const token = (await sb.auth.getSession()).data.session!.access_token;
    const challenge = () =>
      fetch(`${srv.auth.url}/auth/v1/factors/${f!.id}/challenge`, {
        method: "POST",
        headers: { apikey: srv.auth.publishableKey, authorization: `Bearer ${token}`, "sb-forwarded-for": "203.0.113.77", "x-supabase-api-version": "2024-01-01" },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await challenge()).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const last = await challenge();
    expect(last.status).toBe(429);
    expect((await last.json()).code).toBe("over_request_rate_limit");
  });

  it("answers GoTrue's errors for bad input", async () => {
    const { sb } = await signedIn();
    const token = (await sb.auth.getSession()).data.session!.access_token;
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${srv.auth.url}/auth/v1${path}`, {
        method,
        headers: {
          apikey: srv.auth.publishableKey,
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-supabase-api-version": "2024-01-01",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const badType = await call("POST", "/factors", { factor_type: "sms" });
    expect(badType.status).toBe(400);
    expect((await badType.json()).code).toBe("validation_failed");
    const phone = await call("POST", "/factors", { factor_type: "phone", phone: "+15555550100" });
    expect(phone.status).toBe(422);
    expect((await phone.json()).code).toBe("mfa_phone_enroll_not_enabled");
    const notUuid = await call("POST", "/factors/not-a-uuid/challenge");
    expect(notUuid.status).toBe(404);
    const { data: f } = await sb.auth.mfa.enroll({ factorType: "totp" });
    const noCode = await call("POST", `/factors/${f!.id}/verify`, { challenge_id: crypto.randomUUID(), code: "" });
    expect(noCode.status).toBe(400);
    const badChallenge = await call("POST", `/factors/${f!.id}/verify`, { challenge_id: "nope", code: "123456" });
    expect(badChallenge.status).toBe(400);
    const unknownChallenge = await call("POST", `/factors/${f!.id}/verify`, { challenge_id: crypto.randomUUID(), code: "123456" });
    expect(unknownChallenge.status).toBe(422);
    expect((await unknownChallenge.json()).code).toBe("mfa_factor_not_found");
    // the project key alone is an anon token without a user: refused
    const anonOnly = await fetch(`${srv.auth.url}/auth/v1/factors`, { method: "POST", headers: { apikey: srv.auth.publishableKey } });
    expect(anonOnly.status).toBe(403);
    const noAuth = await fetch(`${srv.auth.url}/auth/v1/factors`, { method: "POST" });
    expect(noAuth.status).toBe(401);
  });
});
