/**
 * The implicit recovery link as a browser sees it: the 303 Location (#access_token…&type=recovery) becomes
 * window.location, and supabase-js with detectSessionInUrl picks the session up and emits PASSWORD_RECOVERY.
 * Minimal window/document stand-ins make auth-js take its browser path (this file runs in its own worker).
 */
import { createClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstLink, memoryStorage, startFlowTestServer, type FlowTestServer } from "./testing";

let srv: FlowTestServer;
const g = globalThis as unknown as Record<string, unknown>;

beforeAll(async () => {
  srv = await startFlowTestServer();
});
afterAll(async () => {
  delete g.window;
  delete g.document;
  await srv?.stop();
});

function browserAt(href: string) {
  const location = { href, hash: new URL(href).hash };
  g.window = { location, history: { state: null, replaceState() {} }, addEventListener() {}, removeEventListener() {} };
  g.document = { visibilityState: "visible", addEventListener() {}, removeEventListener() {} };
  return location;
}

describe("implicit recovery link in a browser", () => {
  it("detectSessionInUrl turns the redirect fragment into a session and emits PASSWORD_RECOVERY", async () => {
    const addr = `browser-${Date.now()}@example.com`;
    expect((await srv.client().auth.signUp({ email: addr, password: "old-password-1" })).error).toBeNull();
    await srv.client({ flowType: "implicit" }).auth.resetPasswordForEmail(addr, { redirectTo: `${srv.siteUrl}/reset-password` });
    const [msg] = await srv.mailTo(addr);
    const res = await fetch(firstLink(msg!), { redirect: "manual" });
    expect(res.status).toBe(303);
    const location = browserAt(res.headers.get("location")!);

    const sb = createClient(srv.auth.url, srv.auth.publishableKey, {
      auth: { flowType: "implicit", storage: memoryStorage(), detectSessionInUrl: true, autoRefreshToken: false, persistSession: true },
    });
    const events: string[] = [];
    sb.auth.onAuthStateChange((e) => void events.push(e));
    const { data } = await sb.auth.getSession();
    await new Promise((r) => setTimeout(r, 50));
    expect(data.session?.user.email).toBe(addr);
    expect(events).toContain("PASSWORD_RECOVERY");
    expect(location.hash).toBe(""); // auth-js clears the tokens from the URL
    expect((await sb.auth.updateUser({ password: "browser-new-pass-1" })).error).toBeNull();
    const old = await srv.client().auth.signInWithPassword({ email: addr, password: "old-password-1" });
    expect(old.error?.code).toBe("invalid_credentials");
  });

  it("an error redirect (used link) surfaces as the client's error, not a session", async () => {
    const addr = `browser-err-${Date.now()}@example.com`;
    expect((await srv.client().auth.signUp({ email: addr, password: "old-password-1" })).error).toBeNull();
    await srv.client({ flowType: "implicit" }).auth.resetPasswordForEmail(addr);
    const [msg] = await srv.mailTo(addr);
    await fetch(firstLink(msg!), { redirect: "manual" });
    const second = await fetch(firstLink(msg!), { redirect: "manual" });
    browserAt(second.headers.get("location")!);
    const sb = createClient(srv.auth.url, srv.auth.publishableKey, {
      auth: { flowType: "implicit", storage: memoryStorage(), detectSessionInUrl: true, autoRefreshToken: false, persistSession: true },
    });
    const { data } = await sb.auth.getSession();
    expect(data.session).toBeNull();
    type InitError = { message: string; details?: { error: string; code: string } } | null;
    const init = await (sb.auth as unknown as { initializePromise: Promise<{ error: InitError }> }).initializePromise;
    expect(init.error?.message).toBe("Email link is invalid or has expired");
    expect(init.error?.details).toEqual({ error: "access_denied", code: "otp_expired" });
  });
});
