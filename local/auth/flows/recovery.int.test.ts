/**
 * Password recovery against local/auth with the real supabase-js client and mail read from the catcher:
 * PKCE (verify link → ?code= → exchangeCodeForSession → PASSWORD_RECOVERY → updateUser), the implicit
 * variant (#access_token…&type=recovery), the token_hash link style with verifyOtp, and the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstLink, startFlowTestServer, type FlowTestServer } from "./testing";

let srv: FlowTestServer;
let n = 0;
const email = (tag: string) => `${tag}-${Date.now()}-${n++}@example.com`;
const firstAmr = (amr: unknown) => {
  const e = (amr as (string | { method: string })[] | undefined)?.[0];
  return typeof e === "string" ? e : e?.method;
};

async function signUp(addr: string, password = "old-password-1") {
  const { error } = await srv.client().auth.signUp({ email: addr, password });
  expect(error).toBeNull();
}

beforeAll(async () => {
  srv = await startFlowTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

describe("resetPasswordForEmail (PKCE)", () => {
  it("mails a pkce_ verify link whose 303 carries ?code=, exchanged with PASSWORD_RECOVERY; the new password replaces the old", async () => {
    const addr = email("pkce");
    await signUp(addr);
    const sb = srv.client();
    const events: string[] = [];
    sb.auth.onAuthStateChange((e) => void events.push(e));

    const { data, error } = await sb.auth.resetPasswordForEmail(addr, { redirectTo: `${srv.siteUrl}/reset-password` });
    expect(error).toBeNull();
    expect(data).toEqual({});

    const [msg] = await srv.mailTo(addr);
    expect(msg?.subject).toBe("Reset your password");
    const link = new URL(firstLink(msg!));
    expect(link.pathname).toBe("/auth/v1/verify");
    expect(link.searchParams.get("type")).toBe("recovery");
    expect(link.searchParams.get("token")).toMatch(/^pkce_[0-9a-f]{56}$/);
    expect(link.searchParams.get("redirect_to")).toBe(`${srv.siteUrl}/reset-password`);

    // a HEAD (link scanner) neither redirects nor consumes the token
    expect((await fetch(link, { method: "HEAD", redirect: "manual" })).status).toBe(405);

    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe(`${srv.siteUrl}/reset-password`);
    const code = loc.searchParams.get("code");
    expect(code).toBeTruthy();
    expect(loc.hash).toBe("");

    const ex = await sb.auth.exchangeCodeForSession(code!);
    expect(ex.error).toBeNull();
    expect(ex.data.session?.user.email).toBe(addr);
    expect(events).toContain("PASSWORD_RECOVERY");
    const claims = await sb.auth.getClaims();
    expect(firstAmr(claims.data?.claims.amr)).toBe("recovery");

    const upd = await sb.auth.updateUser({ password: "brand-new-password-2" });
    expect(upd.error).toBeNull();
    const old = await srv.client().auth.signInWithPassword({ email: addr, password: "old-password-1" });
    expect(old.error?.code).toBe("invalid_credentials");
    const fresh = await srv.client().auth.signInWithPassword({ email: addr, password: "brand-new-password-2" });
    expect(fresh.error).toBeNull();

    // the link is single use: a second click redirects with otp_expired and no session
    const again = await fetch(link, { redirect: "manual" });
    expect(again.status).toBe(303);
    const errLoc = new URL(again.headers.get("location")!);
    const frag = new URLSearchParams(errLoc.hash.slice(1));
    expect(frag.get("error")).toBe("access_denied");
    expect(frag.get("error_code")).toBe("otp_expired");
    expect(frag.get("access_token")).toBeNull();
    expect(errLoc.searchParams.get("error_code")).toBe("otp_expired");
  });

  it("answers {} for an unknown address and sends nothing", async () => {
    const addr = email("nobody");
    const { data, error } = await srv.client().auth.resetPasswordForEmail(addr);
    expect(error).toBeNull();
    expect(data).toEqual({});
    expect(await srv.mailTo(addr, { timeoutMs: 300 })).toEqual([]);
  });

  it("falls back to the site URL for a redirect_to outside the allow list", async () => {
    const addr = email("evil");
    await signUp(addr);
    await srv.client().auth.resetPasswordForEmail(addr, { redirectTo: "https://evil.example.net/steal" });
    const [msg] = await srv.mailTo(addr);
    const link = new URL(firstLink(msg!));
    expect(link.searchParams.get("redirect_to")).toBe(srv.siteUrl);
  });

  it("rejects bad input with GoTrue's errors", async () => {
    const post = (body: unknown) =>
      fetch(`${srv.auth.url}/auth/v1/recover`, {
        method: "POST",
        headers: { apikey: srv.auth.publishableKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "validation_failed", message: "Password recovery requires an email" });
    const badEmail = await post({ email: "not-an-email" });
    expect(badEmail.status).toBe(400);
    expect((await badEmail.json()).code).toBe("validation_failed");
    const wrongType = await post({ email: 5 });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).code).toBe("bad_json");
    const badJson = await post("{nope");
    expect(badJson.status).toBe(400);
    const halfPkce = await post({ email: "a@example.com", code_challenge: "x".repeat(43) });
    expect(halfPkce.status).toBe(400);
    expect((await halfPkce.json()).message).toBe("PKCE flow requires code_challenge_method and code_challenge");
  });
});

describe("resetPasswordForEmail (implicit)", () => {
  it("redirects with the session in the fragment and type=recovery", async () => {
    const addr = email("implicit");
    await signUp(addr);
    const sb = srv.client({ flowType: "implicit" });
    await sb.auth.resetPasswordForEmail(addr, { redirectTo: `${srv.siteUrl}/reset-password` });
    const [msg] = await srv.mailTo(addr);
    const link = new URL(firstLink(msg!));
    expect(link.searchParams.get("token")).toMatch(/^[0-9a-f]{56}$/);

    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.search).toBe("");
    const frag = new URLSearchParams(loc.hash.slice(1));
    expect(frag.get("type")).toBe("recovery");
    expect(frag.get("token_type")).toBe("bearer");
    expect(Number(frag.get("expires_in"))).toBe(3600);
    expect(Number(frag.get("expires_at"))).toBeGreaterThan(Date.now() / 1000);
    const accessToken = frag.get("access_token")!;
    const refreshToken = frag.get("refresh_token")!;
    expect(accessToken.split(".")).toHaveLength(3);

    const set = await sb.auth.setSession({ access_token: accessToken, refresh_token: refreshToken });
    expect(set.error).toBeNull();
    const { data } = await sb.auth.getSession();
    expect(data.session?.user.email).toBe(addr);
    const claims = await sb.auth.getClaims();
    expect(firstAmr(claims.data?.claims.amr)).toBe("otp");
    expect((await sb.auth.updateUser({ password: "implicit-new-pass" })).error).toBeNull();
    expect((await srv.client().auth.signInWithPassword({ email: addr, password: "implicit-new-pass" })).error).toBeNull();
  });
});

describe("verifyOtp", () => {
  it("accepts the token_hash from a token_hash-style mail link and emits PASSWORD_RECOVERY", async () => {
    const th = await startFlowTestServer({ GOTRUE_MAILER_LINK_STYLE: "token_hash", GOTRUE_MAILER_SUBJECTS_RECOVERY: "Reset for {{ .Email }}" });
    try {
      const addr = email("th");
      expect((await th.client().auth.signUp({ email: addr, password: "old-password-1" })).error).toBeNull();
      await th.client({ flowType: "implicit" }).auth.resetPasswordForEmail(addr, { redirectTo: `${th.siteUrl}/reset-password` });
      const [msg] = await th.mailTo(addr);
      expect(msg?.subject).toBe(`Reset for ${addr}`); // subject override from the server's env
      const link = new URL(firstLink(msg!));
      expect(link.origin + link.pathname).toBe(`${th.siteUrl}/auth/confirm`);
      expect(link.searchParams.get("type")).toBe("recovery");
      expect(link.searchParams.get("next")).toBe(`${th.siteUrl}/reset-password`);
      const tokenHash = link.searchParams.get("token_hash")!;
      expect(tokenHash).toMatch(/^[0-9a-f]{56}$/);

      const sb = th.client();
      const events: string[] = [];
      sb.auth.onAuthStateChange((e) => void events.push(e));
      const wrong = await sb.auth.verifyOtp({ token_hash: "0".repeat(56), type: "recovery" });
      expect(wrong.error?.code).toBe("otp_expired");
      expect(wrong.error?.status).toBe(403);
      const ok = await sb.auth.verifyOtp({ token_hash: tokenHash, type: "recovery" });
      expect(ok.error).toBeNull();
      expect(ok.data.session?.user.email).toBe(addr);
      expect(events).toContain("PASSWORD_RECOVERY");
      const reuse = await th.client().auth.verifyOtp({ token_hash: tokenHash, type: "recovery" });
      expect(reuse.error?.code).toBe("otp_expired");

      // a PKCE request (what @supabase/ssr always makes) puts pkce_<hash> in the link; verifyOtp takes it as is
      await th.query("update auth.users set recovery_sent_at = null where email = $1", [addr]);
      expect((await th.client({ flowType: "pkce" }).auth.resetPasswordForEmail(addr)).error).toBeNull();
      const [second] = await th.mailTo(addr, { min: 2 });
      const pkceHash = new URL(firstLink(second!)).searchParams.get("token_hash")!;
      expect(pkceHash).toMatch(/^pkce_[0-9a-f]{56}$/);
      const viaHash = await th.client().auth.verifyOtp({ token_hash: pkceHash, type: "recovery" });
      expect(viaHash.error).toBeNull();
      expect(viaHash.data.user?.email).toBe(addr);
    } finally {
      await th.stop();
    }
  });

  it("accepts the 6-digit code with the email, once, and refuses a wrong code", async () => {
    const addr = email("code");
    await signUp(addr);
    await srv.client({ flowType: "implicit" }).auth.resetPasswordForEmail(addr);
    const [msg] = await srv.mailTo(addr);
    const code = /code: (\d{6})/.exec(msg!.text)![1]!;
    const wrongCode = code === "000000" ? "000001" : "000000";
    const bad = await srv.client().auth.verifyOtp({ email: addr, token: wrongCode, type: "recovery" });
    expect(bad.error?.code).toBe("otp_expired");
    expect(bad.error?.message).toBe("Token has expired or is invalid");
    const ok = await srv.client().auth.verifyOtp({ email: addr, token: code, type: "recovery" });
    expect(ok.error).toBeNull();
    const again = await srv.client().auth.verifyOtp({ email: addr, token: code, type: "recovery" });
    expect(again.error?.code).toBe("otp_expired");
  });

  it("lets exactly one of three concurrent verifications of the same token win", async () => {
    const addr = email("race");
    await signUp(addr);
    const { data } = await srv.admin().auth.admin.generateLink({ type: "recovery", email: addr });
    const hash = data.properties!.hashed_token;
    const results = await Promise.all([0, 1, 2].map(() => srv.client().auth.verifyOtp({ token_hash: hash, type: "recovery" })));
    expect(results.filter((r) => r.error === null)).toHaveLength(1);
    expect(results.filter((r) => r.error?.code === "otp_expired")).toHaveLength(2);
  });

  it("refuses a banned user's valid token with user_banned", async () => {
    const addr = email("banned");
    await signUp(addr);
    const admin = srv.admin();
    const { data } = await admin.auth.admin.generateLink({ type: "recovery", email: addr });
    expect((await admin.auth.admin.updateUserById(data.user!.id, { ban_duration: "1h" })).error).toBeNull();
    const r = await srv.client().auth.verifyOtp({ token_hash: data.properties!.hashed_token, type: "recovery" });
    expect(r.error?.code).toBe("user_banned");
    expect(r.error?.status).toBe(403);
  });

  it("refuses an expired link (GOTRUE_MAILER_OTP_EXP)", async () => {
    const addr = email("exp");
    await signUp(addr);
    await srv.client({ flowType: "implicit" }).auth.resetPasswordForEmail(addr);
    const [msg] = await srv.mailTo(addr);
    const link = new URL(firstLink(msg!));
    await srv.query("update auth.users set recovery_sent_at = now() - interval '2 hours' where email = $1", [addr]);
    const res = await fetch(link, { redirect: "manual" });
    const frag = new URLSearchParams(new URL(res.headers.get("location")!).hash.slice(1));
    expect(frag.get("error_code")).toBe("otp_expired");
    expect(frag.get("error_description")).toBe("Email link is invalid or has expired");
  });
});
