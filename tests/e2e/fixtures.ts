/**
 * Shared e2e fixtures: demo accounts (seeded by scripts/e2e-server.ts) and the sign-in step other journeys reuse.
 */
import { test as base, expect, type Page } from "@playwright/test";
import { createClient } from "@supabase/supabase-js";
import { LOCAL_SECRET_KEY } from "../../lib/env";
import { DEMO_USERS, type DemoUser } from "../../scripts/seed";
import { e2ePorts } from "./ports";

/**
 * `test` with a distinct client IP per test: the e2e server runs with TRUSTED_PROXY_HOPS=1 (as behind one proxy) and
 * every request of the test's browser context carries `X-Forwarded-For: <its IP>`. Per-IP rate limits and
 * auth-failure blocks then apply per test, as they would per person, instead of one test's failures blocking the
 * next test. Import `test` and `expect` from here.
 */
export const test = base.extend({
  extraHTTPHeaders: async ({ extraHTTPHeaders }, provide, testInfo) => {
    await provide({ ...extraHTTPHeaders, "x-forwarded-for": testClientIp(testInfo.testId) });
  },
});
export { expect };

/** A stable address in 198.18.0.0/15 (benchmarking range, never routed) for a test id. */
export function testClientIp(testId: string): string {
  let hash = 2166136261;
  for (const char of testId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return `198.${18 + ((hash >>> 16) & 1)}.${(hash >>> 8) & 255}.${hash & 255}`;
}

export const demoUser: DemoUser = DEMO_USERS.find((u) => !u.role)!;
export const demoAdmin: DemoUser = DEMO_USERS.find((u) => u.role === "admin")!;

/** Opens /login (optionally with ?next=), waits for the form to be interactive, and submits the credentials. */
export async function submitLogin(page: Page, user: Pick<DemoUser, "email" | "password">, next?: string): Promise<void> {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await expect(page.locator("form[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until /account shows the user. */
export async function signIn(page: Page, user: Pick<DemoUser, "email" | "password"> = demoUser): Promise<void> {
  await submitLogin(page, user);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-email")).toHaveText(user.email);
}

/** URLs and keys of the e2e run's own local stack (scripts/e2e-server.ts), for test set-up through the admin API. */
export function e2eStack() {
  const { stackOffset } = e2ePorts();
  return {
    supabaseUrl: `http://127.0.0.1:${54321 + stackOffset}`,
    secretKey: LOCAL_SECRET_KEY,
    /** Mail catcher JSON API: GET /api/messages?to=EMAIL. */
    mailUrl: `http://127.0.0.1:${54324 + stackOffset}`,
  };
}

/**
 * A fresh, confirmed user for one test (the demo accounts are shared, and per-account rate limits and failure
 * counters would couple tests that all sign in as them).
 */
export async function createTestUser(overrides: { email?: string; password?: string; appMetadata?: Record<string, unknown> } = {}): Promise<DemoUser & { id: string }> {
  const email = overrides.email ?? `e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = overrides.password ?? `E2e-${Math.random().toString(36).slice(2)}-passw0rd!`;
  const { supabaseUrl, secretKey } = e2eStack();
  const admin = createClient(supabaseUrl, secretKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await admin.auth.admin.createUser({ email, password, email_confirm: true, app_metadata: overrides.appMetadata ?? {} });
  if (error || !data.user) throw new Error(`createTestUser failed: ${error?.message ?? "no user"}`);
  return { email, password, id: data.user.id };
}
