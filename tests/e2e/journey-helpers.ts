/**
 * Helpers for the user-journey specs: the e2e stack's mail catcher and admin API, API sign-in into a browser context
 * (for journeys that are not about sign-in), axe checks, screenshots at desktop and mobile width, and a CSP
 * violation collector.
 */
import AxeBuilder from "@axe-core/playwright";
import { createServerClient } from "@supabase/ssr";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { e2ePorts } from "./ports";

const { stackOffset, appPort } = e2ePorts();
export const APP_URL = `http://127.0.0.1:${appPort}`;
export const AUTH_URL = `http://127.0.0.1:${54321 + stackOffset}`;
export const MAIL_URL = `http://127.0.0.1:${54324 + stackOffset}`;
const PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
const SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
const AUTH_COOKIE_NAME = "sb-mindroom-auth";

export const STRONG_PASSWORD = "violet-tractor-moonlight-43";
export const NEW_PASSWORD = "harbour-quokka-lantern-91";

export function admin(): SupabaseClient {
  return createClient(AUTH_URL, SECRET_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
}

let counter = 0;
let ipCounter = 0;

/**
 * A distinct client address per browser context. Every test runs from 127.0.0.1; without this, the auth-failure
 * tracking (5 failures per IP → 30 min block) and per-IP limits of one test would leak into the next. At
 * TRUSTED_PROXY_HOPS=0 the app accepts a single-entry X-Forwarded-For (what Next itself writes), so each context
 * sends its own from the TEST-NET-2 range.
 */
export function testIp(): string {
  ipCounter += 1;
  return `198.51.${(process.pid + ipCounter) % 250}.${(Date.now() + ipCounter) % 250}`;
}

export async function isolateIp(context: BrowserContext): Promise<string> {
  const ip = testIp();
  await context.setExtraHTTPHeaders({ "x-forwarded-for": ip });
  return ip;
}

/** A fresh browser context with its own client address. */
export async function newIsolatedContext(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ ...options, extraHTTPHeaders: { ...options.extraHTTPHeaders, "x-forwarded-for": testIp() } });
}
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}@example.com`;
}

export async function createUser(prefix: string, password = STRONG_PASSWORD): Promise<{ id: string; email: string; password: string }> {
  const email = uniqueEmail(prefix);
  const { data, error } = await admin().auth.admin.createUser({ email, password, email_confirm: true });
  if (error || !data.user) throw new Error(`createUser: ${error?.message}`);
  return { id: data.user.id, email, password };
}

export type Mail = { id: string; to: string[]; subject: string; date: string; text: string; html: string };

/** Newest mail to `to` (optionally matching `subject`) that arrived after `since` (ms), polling up to 10 s. */
export async function waitForMail(to: string, opts: { subject?: RegExp; since?: number } = {}): Promise<Mail> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${MAIL_URL}/api/messages?to=${encodeURIComponent(to)}`);
    const list = (await res.json()) as Mail[];
    const hit = list.find((m) => (!opts.subject || opts.subject.test(m.subject)) && (!opts.since || Date.parse(m.date) >= opts.since - 1000));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${opts.subject ?? "*"}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Asks the auth server directly for a reset mail (no PKCE, not through the app's /forgot-password, whose per-IP
 * limit of 5 per 15 min every test from 127.0.0.1 shares). The mail still links to the app's /auth/confirm.
 */
export async function requestResetUpstream(email: string): Promise<void> {
  const client = createClient(AUTH_URL, PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false, flowType: "implicit" } });
  const { error } = await client.auth.resetPasswordForEmail(email, { redirectTo: `${APP_URL}/reset-password` });
  if (error) throw new Error(`resetPasswordForEmail: ${error.message}`);
}

/** The app's error alert (Next also renders an empty role="alert" route announcer). */
export function errorAlert(page: Page) {
  return page.locator(".alert.error");
}

/** The first app link in a mail's text part (e.g. the /auth/confirm link). */
export function linkIn(mail: Mail, path = "/auth/confirm"): string {
  const match = mail.text.match(/https?:\/\/\S+/g)?.find((u) => new URL(u).pathname === path);
  if (!match) throw new Error(`no ${path} link in mail "${mail.subject}"`);
  return match;
}

/**
 * Signs in through the password grant with the same @supabase/ssr cookie storage the app uses and puts the
 * resulting session cookies into `context` — for journeys that are not about the sign-in form.
 */
export async function signInViaApi(context: BrowserContext, email: string, password: string): Promise<void> {
  const jar = new Map<string, string>();
  const client = createServerClient(AUTH_URL, PUBLISHABLE_KEY, {
    cookieOptions: { name: AUTH_COOKIE_NAME },
    cookies: {
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      setAll: (cookies) => {
        for (const c of cookies) {
          if (c.value) jar.set(c.name, c.value);
          else jar.delete(c.name);
        }
      },
    },
  });
  const { error } = await client.auth.signInWithPassword({ email, password });
  if (error) throw new Error(`signInViaApi: ${error.message}`);
  await context.addCookies([...jar].map(([name, value]) => ({ name, value, url: APP_URL, sameSite: "Lax" as const })));
}

/** Collects CSP violations reported in the browser console and page errors (assert with expectNoCspViolations). */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) violations.push(text);
  });
  return violations;
}

export function expectNoCspViolations(violations: string[]): void {
  expect(violations, violations.join("\n")).toEqual([]);
}

/** axe-core: 0 serious or critical violations. */
export async function expectAccessible(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) await testInfo.attach(`axe-${name}.json`, { body: JSON.stringify(bad, null, 2), contentType: "application/json" });
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `axe violations on ${name}`,
  ).toEqual([]);
}

/** Screenshots at desktop (1280) and mobile (390) width, attached to the test report. */
export async function screenshots(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const original = page.viewportSize();
  for (const [label, width, height] of [["desktop", 1280, 900], ["mobile", 390, 844]] as const) {
    await page.setViewportSize({ width, height });
    const body = await page.screenshot({ fullPage: true });
    await testInfo.attach(`${name}-${label}.png`, { body, contentType: "image/png" });
  }
  if (original) await page.setViewportSize(original);
}

/** Fills the new-password form (new + confirm) and submits it. */
export async function fillNewPassword(page: Page, password: string, submit: string | RegExp): Promise<void> {
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password").fill(password);
  await page.getByRole("button", { name: submit }).click();
}

/** The access token in a context's auth cookie (chunked `sb-mindroom-auth.N` cookies joined). */
export async function accessTokenOf(context: BrowserContext): Promise<string> {
  const cookies = (await context.cookies(APP_URL)).filter((c) => c.name === AUTH_COOKIE_NAME || c.name.startsWith(`${AUTH_COOKIE_NAME}.`));
  cookies.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  const raw = cookies.map((c) => c.value).join("");
  const json = raw.startsWith("base64-") ? Buffer.from(raw.slice(7), "base64url").toString("utf8") : decodeURIComponent(raw);
  return (JSON.parse(json) as { access_token: string }).access_token;
}
