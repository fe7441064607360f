/**
 * Invite, generate_link, magic link / OTP sign-in, signup confirmation + resend, reauthentication nonce and the
 * per-user mail spacing, against local/auth with the real supabase-js client and the mail catcher.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstLink, mailCode, startFlowTestServer, type FlowTestServer } from "./testing";

let srv: FlowTestServer;
let confirm: FlowTestServer;
let n = 0;
const email = (tag: string) => `${tag}-${Date.now()}-${n++}@example.com`;

beforeAll(async () => {
  srv = await startFlowTestServer();
  confirm = await startFlowTestServer({
    GOTRUE_MAILER_AUTOCONFIRM: "false",
    GOTRUE_SMTP_MAX_FREQUENCY: "60",
    GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: "true",
  });
});
afterAll(async () => {
  await srv?.stop();
  await confirm?.stop();
});

describe("invite", () => {
  it("admin invite → mail → verify link (type=invite) → set password → password sign-in", async () => {
    const addr = email("invitee");
    const admin = srv.admin();
    const { data, error } = await admin.auth.admin.inviteUserByEmail(addr, { data: { team: "blue" }, redirectTo: `${srv.siteUrl}/invite` });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(addr);
    expect(data.user?.invited_at).toBeTruthy();
    expect(data.user?.email_confirmed_at).toBeUndefined();
    expect(data.user?.user_metadata).toMatchObject({ team: "blue" });

    const [msg] = await srv.mailTo(addr);
    expect(msg?.subject).toBe("You've been invited");
    const link = new URL(firstLink(msg!));
    expect(link.searchParams.get("type")).toBe("invite");
    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe(`${srv.siteUrl}/invite`);
    const frag = new URLSearchParams(loc.hash.slice(1));
    expect(frag.get("type")).toBe("invite");

    const sb = srv.client({ flowType: "implicit" });
    expect((await sb.auth.setSession({ access_token: frag.get("access_token")!, refresh_token: frag.get("refresh_token")! })).error).toBeNull();
    const u = (await sb.auth.getUser()).data.user!;
    expect(u.email_confirmed_at).toBeTruthy();
    expect((await sb.auth.updateUser({ password: "invited-password-1" })).error).toBeNull();
    const signIn = await srv.client().auth.signInWithPassword({ email: addr, password: "invited-password-1" });
    expect(signIn.error).toBeNull();
  });

  it("re-invites an unconfirmed invitee (new mail, old link dead) but refuses a confirmed address with email_exists", async () => {
    const addr = email("reinvite");
    const admin = srv.admin();
    expect((await admin.auth.admin.inviteUserByEmail(addr)).error).toBeNull();
    const [first] = await srv.mailTo(addr);
    expect((await admin.auth.admin.inviteUserByEmail(addr)).error).toBeNull();
    const list = await srv.mailTo(addr, { min: 2 });
    expect(list).toHaveLength(2);
    const oldLink = firstLink(first!);
    expect(firstLink(list[0]!)).not.toBe(oldLink);
    const stale = await fetch(oldLink, { redirect: "manual" });
    expect(new URLSearchParams(new URL(stale.headers.get("location")!).hash.slice(1)).get("error_code")).toBe("otp_expired");
    const ok = await fetch(firstLink(list[0]!), { redirect: "manual" });
    expect(new URLSearchParams(new URL(ok.headers.get("location")!).hash.slice(1)).get("access_token")).toBeTruthy();

    const again = await admin.auth.admin.inviteUserByEmail(addr);
    expect(again.error?.code).toBe("email_exists");
    expect(again.error?.status).toBe(422);
  });

  it("is admin-only", async () => {
    const res = await fetch(`${srv.auth.url}/auth/v1/invite`, {
      method: "POST",
      headers: { apikey: srv.auth.publishableKey, "content-type": "application/json" },
      body: JSON.stringify({ email: email("x") }),
    });
    expect(res.status).toBe(403);
  });
});

describe("generate_link", () => {
  it("returns action_link, email_otp, hashed_token without mailing; the OTP and the link both work", async () => {
    const addr = email("gen");
    expect((await srv.client().auth.signUp({ email: addr, password: "gen-password-1" })).error).toBeNull();
    const admin = srv.admin();
    const { data, error } = await admin.auth.admin.generateLink({ type: "magiclink", email: addr, options: { redirectTo: `${srv.siteUrl}/account` } });
    expect(error).toBeNull();
    const p = data.properties!;
    expect(p.verification_type).toBe("magiclink");
    expect(p.email_otp).toMatch(/^\d{6}$/);
    expect(p.hashed_token).toMatch(/^[0-9a-f]{56}$/);
    expect(p.redirect_to).toBe(`${srv.siteUrl}/account`);
    const link = new URL(p.action_link);
    expect(link.pathname).toBe("/auth/v1/verify");
    expect(link.searchParams.get("token")).toBe(p.hashed_token);
    expect(link.searchParams.get("type")).toBe("magiclink");
    expect(data.user?.email).toBe(addr);
    expect(await srv.mailTo(addr, { timeoutMs: 300 })).toHaveLength(0);

    const v = await srv.client().auth.verifyOtp({ email: addr, token: p.email_otp, type: "email" });
    expect(v.error).toBeNull();
    expect(v.data.session?.user.email).toBe(addr);

    const rec = await admin.auth.admin.generateLink({ type: "recovery", email: addr });
    const res = await fetch(rec.data.properties!.action_link, { redirect: "manual" });
    const frag = new URLSearchParams(new URL(res.headers.get("location")!).hash.slice(1));
    expect(frag.get("type")).toBe("recovery");
    expect(frag.get("access_token")).toBeTruthy();
  });

  it("signs up an unknown address for magiclink and invite, 404s recovery for an unknown address", async () => {
    const admin = srv.admin();
    const unknown = email("gen-unknown");
    const missing = await admin.auth.admin.generateLink({ type: "recovery", email: unknown });
    expect(missing.error?.code).toBe("user_not_found");
    expect(missing.error?.status).toBe(404);
    const magic = await admin.auth.admin.generateLink({ type: "magiclink", email: unknown });
    expect(magic.error).toBeNull();
    expect(magic.data.properties?.verification_type).toBe("signup");
    expect(magic.data.user?.email).toBe(unknown);
    const inv = await admin.auth.admin.generateLink({ type: "invite", email: email("gen-invite") });
    expect(inv.error).toBeNull();
    expect(inv.data.user?.invited_at).toBeTruthy();
    const ok = await srv.client().auth.verifyOtp({ token_hash: inv.data.properties!.hashed_token, type: "invite" });
    expect(ok.error).toBeNull();
    const bad = await admin.auth.admin.generateLink({ type: "bogus" as "signup", email: unknown, password: "x" });
    expect(bad.error?.status).toBe(400);
  });
});

describe("magic link / OTP sign-in", () => {
  it("mails a confirmed user a magic link + code; the code signs in once (amr otp)", async () => {
    const addr = email("otp");
    expect((await srv.client().auth.signUp({ email: addr, password: "otp-password-1" })).error).toBeNull();
    const sb = srv.client();
    const { error } = await sb.auth.signInWithOtp({ email: addr, options: { shouldCreateUser: false } });
    expect(error).toBeNull();
    const [msg] = await srv.mailTo(addr);
    expect(msg?.subject).toBe("Your sign-in link");
    expect(new URL(firstLink(msg!)).searchParams.get("token")).toMatch(/^pkce_/);
    const v = await sb.auth.verifyOtp({ email: addr, token: mailCode(msg!), type: "email" });
    expect(v.error).toBeNull();
    expect(v.data.session?.user.email).toBe(addr);
  });

  it("refuses to create a user when shouldCreateUser is false, creates one otherwise", async () => {
    const addr = email("otp-new");
    const refused = await srv.client().auth.signInWithOtp({ email: addr, options: { shouldCreateUser: false } });
    expect(refused.error?.code).toBe("otp_disabled");
    expect(refused.error?.status).toBe(422);
    const created = await srv.client({ flowType: "implicit" }).auth.signInWithOtp({ email: addr });
    expect(created.error).toBeNull();
    const [msg] = await srv.mailTo(addr);
    // autoconfirm on: the new user is confirmed and gets the magic link; its link signs in
    expect(msg?.subject).toBe("Your sign-in link");
    const res = await fetch(firstLink(msg!), { redirect: "manual" });
    const frag = new URLSearchParams(new URL(res.headers.get("location")!).hash.slice(1));
    expect(frag.get("type")).toBe("magiclink");
    expect(frag.get("access_token")).toBeTruthy();
  });
});

describe("POST /magiclink (older endpoint)", () => {
  it("mails a magic link like /otp and validates its input", async () => {
    const addr = email("ml");
    expect((await srv.client().auth.signUp({ email: addr, password: "ml-password-1" })).error).toBeNull();
    const post = (body: unknown) =>
      fetch(`${srv.auth.url}/auth/v1/magiclink`, {
        method: "POST",
        headers: { apikey: srv.auth.publishableKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
        body: JSON.stringify(body),
      });
    const ok = await post({ email: addr });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    const [msg] = await srv.mailTo(addr);
    expect(msg?.subject).toBe("Your sign-in link");
    const missing = await post({});
    expect(missing.status).toBe(422);
    expect((await missing.json()).code).toBe("validation_failed");
  });
});

describe("signup confirmation (autoconfirm off)", () => {
  it("mails a confirmation; PKCE link → ?code= → exchange signs in; resend within the spacing is 429", async () => {
    const addr = email("confirm");
    const sb = confirm.client();
    const up = await sb.auth.signUp({ email: addr, password: "confirm-password-1", options: { emailRedirectTo: `${confirm.siteUrl}/welcome` } });
    expect(up.error).toBeNull();
    expect(up.data.session).toBeNull();
    const [msg] = await confirm.mailTo(addr);
    expect(msg?.subject).toBe("Confirm your email address");
    const link = new URL(firstLink(msg!));
    expect(link.searchParams.get("type")).toBe("signup");
    expect(link.searchParams.get("token")).toMatch(/^pkce_/);

    const early = await confirm.client().auth.resend({ type: "signup", email: addr });
    expect(early.error?.code).toBe("over_email_send_rate_limit");
    expect(early.error?.status).toBe(429);
    expect(early.error?.message).toMatch(/^For security purposes, you can only request this after \d+ seconds\.$/);

    const unconfirmed = await confirm.client().auth.signInWithPassword({ email: addr, password: "confirm-password-1" });
    expect(unconfirmed.error?.code).toBe("email_not_confirmed");

    const res = await fetch(link, { redirect: "manual" });
    const loc = new URL(res.headers.get("location")!);
    expect(loc.pathname).toBe("/welcome");
    const ex = await sb.auth.exchangeCodeForSession(loc.searchParams.get("code")!);
    expect(ex.error).toBeNull();
    expect(ex.data.user?.email_confirmed_at).toBeTruthy();
    expect((await confirm.client().auth.signInWithPassword({ email: addr, password: "confirm-password-1" })).error).toBeNull();

    // nothing pending any more: resend is a silent {}
    await confirm.query("update auth.users set confirmation_sent_at = now() - interval '2 minutes' where email = $1", [addr]);
    const after = await confirm.client().auth.resend({ type: "signup", email: addr });
    expect(after.error).toBeNull();
    expect(await confirm.mailTo(addr, { timeoutMs: 300 })).toHaveLength(1);
  });

  it("resend sends a fresh confirmation once the spacing has passed; the old code stops working", async () => {
    const addr = email("resend");
    expect((await confirm.client({ flowType: "implicit" }).auth.signUp({ email: addr, password: "resend-password-1" })).error).toBeNull();
    const [first] = await confirm.mailTo(addr);
    await confirm.query("update auth.users set confirmation_sent_at = now() - interval '2 minutes' where email = $1", [addr]);
    expect((await confirm.client({ flowType: "implicit" }).auth.resend({ type: "signup", email: addr })).error).toBeNull();
    const list = await confirm.mailTo(addr, { min: 2 });
    expect(list).toHaveLength(2);
    const stale = await confirm.client().auth.verifyOtp({ email: addr, token: mailCode(first!), type: "signup" });
    if (mailCode(first!) !== mailCode(list[0]!)) expect(stale.error?.code).toBe("otp_expired");
    const ok = await confirm.client().auth.verifyOtp({ email: addr, token: mailCode(list[0]!), type: "email" });
    expect(ok.error).toBeNull();
    expect(ok.data.user?.email_confirmed_at).toBeTruthy();
  });
});

describe("email change (secure, autoconfirm off)", () => {
  it("mails both addresses; the first confirmation only records itself, the second moves the address", async () => {
    const oldAddr = email("change-old");
    const newAddr = email("change-new");
    expect((await confirm.admin().auth.admin.createUser({ email: oldAddr, password: "change-password-1", email_confirm: true })).error).toBeNull();
    const sb = confirm.client();
    expect((await sb.auth.signInWithPassword({ email: oldAddr, password: "change-password-1" })).error).toBeNull();
    const upd = await sb.auth.updateUser({ email: newAddr }, { emailRedirectTo: `${confirm.siteUrl}/account` });
    expect(upd.error).toBeNull();
    expect(upd.data.user?.new_email).toBe(newAddr);

    const [toNew] = await confirm.mailTo(newAddr);
    const [toOld] = await confirm.mailTo(oldAddr);
    expect(toNew?.subject).toBe("Confirm your new email address");
    expect(toOld?.subject).toBe("Confirm your new email address");
    expect(toOld?.text).toContain(newAddr);
    const oldLink = new URL(firstLink(toOld!));
    expect(oldLink.searchParams.get("type")).toBe("email_change");
    expect(oldLink.searchParams.get("token")).toMatch(/^pkce_/);

    const first = await fetch(oldLink, { redirect: "manual" });
    expect(first.status).toBe(303);
    const loc = new URL(first.headers.get("location")!);
    expect(loc.searchParams.get("message")).toBe("Confirmation link accepted. Please proceed to confirm link sent to the other email");
    expect(new URLSearchParams(loc.hash.slice(1)).get("access_token")).toBeNull();
    expect((await sb.auth.getUser()).data.user?.email).toBe(oldAddr);

    const done = await confirm.client().auth.verifyOtp({ email: newAddr, token: mailCode(toNew!), type: "email_change" });
    expect(done.error).toBeNull();
    expect(done.data.user?.email).toBe(newAddr);
    expect((await confirm.client().auth.signInWithPassword({ email: newAddr, password: "change-password-1" })).error).toBeNull();
    const gone = await confirm.client().auth.signInWithPassword({ email: oldAddr, password: "change-password-1" });
    expect(gone.error?.code).toBe("invalid_credentials");
  });
});

describe("global email limit (GOTRUE_RATE_LIMIT_EMAIL_SENT)", () => {
  it("refuses mail beyond the hourly budget with over_email_send_rate_limit, and nothing is stored for the refused one", async () => {
    const limited = await startFlowTestServer({ GOTRUE_MAILER_AUTOCONFIRM: "false", GOTRUE_RATE_LIMIT_EMAIL_SENT: "1" });
    try {
      const a = email("budget-a");
      const b = email("budget-b");
      expect((await limited.client().auth.signUp({ email: a, password: "budget-password-1" })).error).toBeNull();
      expect(await limited.mailTo(a)).toHaveLength(1);
      const second = await limited.client().auth.signUp({ email: b, password: "budget-password-1" });
      expect(second.error?.code).toBe("over_email_send_rate_limit");
      expect(second.error?.status).toBe(429);
      expect(second.error?.message).toBe("email rate limit exceeded");
      expect(await limited.mailTo(b, { timeoutMs: 300 })).toHaveLength(0);
      // the signup transaction was rolled back with the refused mail
      expect(await limited.query("select 1 from auth.users where email = $1", [b])).toHaveLength(0);
    } finally {
      await limited.stop();
    }
  });
});

describe("reauthentication", () => {
  it("mails a nonce that PUT /user accepts once for a password change", async () => {
    const addr = email("reauth");
    const admin = confirm.admin();
    expect((await admin.auth.admin.createUser({ email: addr, password: "reauth-password-1", email_confirm: true })).error).toBeNull();
    const sb = confirm.client();
    expect((await sb.auth.signInWithPassword({ email: addr, password: "reauth-password-1" })).error).toBeNull();
    // GoTrue asks for the nonce only when the session is older than 24 hours
    await confirm.query("update auth.sessions s set created_at = now() - interval '25 hours' from auth.users u where u.id = s.user_id and u.email = $1", [addr]);

    const without = await sb.auth.updateUser({ password: "reauth-password-2" });
    expect(without.error?.code).toBe("reauthentication_needed");
    expect((await sb.auth.reauthenticate()).error).toBeNull();
    const [msg] = await confirm.mailTo(addr);
    expect(msg?.subject).toMatch(/^\d{6} is your verification code$/);
    const nonce = mailCode(msg!);
    const tooSoon = await sb.auth.reauthenticate();
    expect(tooSoon.error?.code).toBe("over_email_send_rate_limit");
    const wrong = await sb.auth.updateUser({ password: "reauth-password-2", nonce: nonce === "000000" ? "000001" : "000000" });
    expect(wrong.error?.code).toBe("reauthentication_not_valid");
    const ok = await sb.auth.updateUser({ password: "reauth-password-2", nonce });
    expect(ok.error).toBeNull();
    const reuse = await sb.auth.updateUser({ password: "reauth-password-3", nonce });
    expect(reuse.error?.code).toBe("reauthentication_not_valid");
    expect((await confirm.client().auth.signInWithPassword({ email: addr, password: "reauth-password-2" })).error).toBeNull();
  });
});
