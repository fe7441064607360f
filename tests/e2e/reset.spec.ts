/**
 * Password reset journeys through the real mail catcher: same browser, a second fresh browser, a mail scanner that
 * fetches the link first (HEAD + GET) — and the "password changed" mail whose "this wasn't me" link ends every
 * other session and starts a fresh reset.
 */
import { expect, test, type Page } from "@playwright/test";
import { APP_URL, createUser, errorAlert, expectNoCspViolations, fillNewPassword, isolateIp, linkIn, NEW_PASSWORD, newIsolatedContext, requestResetUpstream, signInViaApi, STRONG_PASSWORD, testIp, waitForMail, watchCsp } from "./journey-helpers";

async function requestReset(page: Page, email: string): Promise<void> {
  await page.goto("/forgot-password");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "If an account exists" })).toBeVisible();
}

/** Opens the mail link, presses the interstitial's button, sets the new password. */
async function completeReset(page: Page, link: string, password = NEW_PASSWORD): Promise<void> {
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await page.getByRole("button", { name: "Continue to reset password" }).click();
  await expect(page).toHaveURL(/\/reset-password/);
  await expect(page.getByLabel("New password", { exact: true })).toBeVisible();
  await fillNewPassword(page, password, "Change password");
  await expect(page.getByText("Your password has been changed")).toBeVisible();
}

async function canSignIn(page: Page, email: string, password: string): Promise<boolean> {
  const res = await page.request.post(`${APP_URL}/auth/v1/token?grant_type=password`, {
    headers: { apikey: "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH", "content-type": "application/json" },
    data: { email, password },
  });
  return res.ok();
}

test.describe("password reset", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("same browser: forgot → mail → confirm → new password; old password refused; password-changed mail sent", async ({ page }) => {
    const csp = watchCsp(page);
    const user = await createUser("reset-same");
    const since = Date.now();
    await requestReset(page, user.email);
    const mail = await waitForMail(user.email, { subject: /reset/i, since });
    const link = linkIn(mail);
    expect(new URL(link).searchParams.get("type")).toBe("recovery");
    await completeReset(page, link);

    expect(await canSignIn(page, user.email, NEW_PASSWORD)).toBe(true);
    expect(await canSignIn(page, user.email, STRONG_PASSWORD)).toBe(false);

    const notice = await waitForMail(user.email, { subject: /password was changed/i, since });
    const notMe = new URL(linkIn(notice));
    expect(notMe.searchParams.get("next")).toBe("/reset-password?compromised=1");
    // The link that was used is spent: a second use explains what to do next.
    await page.goto(link);
    await page.getByRole("button", { name: "Continue to reset password" }).click();
    await expect(errorAlert(page)).toContainText("expired or has already been used");
    await expect(page.getByRole("link", { name: "Send me a new reset link" })).toBeVisible();
    expectNoCspViolations(csp);
  });

  test("the link opened in a second, fresh browser context still resets the password", async ({ browser }) => {
    const user = await createUser("reset-other");
    const since = Date.now();
    await requestResetUpstream(user.email); // asked elsewhere …
    const link = linkIn(await waitForMail(user.email, { subject: /reset/i, since }));
    const other = await newIsolatedContext(browser); // … opened in browser B (no PKCE verifier, no cookies)
    const pageB = await other.newPage();
    const csp = watchCsp(pageB);
    await completeReset(pageB, link);
    expect(await canSignIn(pageB, user.email, NEW_PASSWORD)).toBe(true);
    expectNoCspViolations(csp);
    await other.close();
  });

  test("a mail scanner's HEAD + GET does not consume the link; the person's click still works", async ({ page, playwright }) => {
    const user = await createUser("reset-scan");
    const since = Date.now();
    await requestResetUpstream(user.email);
    const link = linkIn(await waitForMail(user.email, { subject: /reset/i, since }));
    const scanner = await playwright.request.newContext({ extraHTTPHeaders: { "x-forwarded-for": testIp() }, userAgent: "Mozilla/5.0 (compatible; SafeLinks-Scanner/1.0)" });
    const head = await scanner.head(link);
    expect(head.status()).toBe(200);
    const get = await scanner.get(link);
    expect(get.status()).toBe(200);
    expect(await get.text()).toContain("Continue to reset password");
    expect(get.headers()["referrer-policy"]).toBe("no-referrer");
    expect(get.headers()["cache-control"]).toContain("no-store");
    // A scanner GET on the verify endpoint changes nothing either.
    expect((await scanner.get(`${APP_URL}/auth/confirm/verify`)).status()).toBe(405);
    // A cross-site POST (a scanner or another site submitting the form) is refused.
    const token = new URL(link).searchParams.get("token_hash")!;
    const forged = await scanner.post(`${APP_URL}/auth/confirm/verify`, { form: { token_hash: token, type: "recovery" }, headers: { origin: "https://evil.example" }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    await scanner.dispose();

    const other = await newIsolatedContext(page.context().browser()!);
    const person = await other.newPage();
    await completeReset(person, link);
    expect(await canSignIn(person, user.email, NEW_PASSWORD)).toBe(true);
    await other.close();
  });

  test("\"this wasn't me\": the link from the password-changed mail ends every other session and starts a fresh reset", async ({ page, browser }) => {
    const user = await createUser("reset-notme");
    // An attacker resets the password (page = attacker's browser) and keeps a session with the new password.
    const since = Date.now();
    await requestResetUpstream(user.email);
    await completeReset(page, linkIn(await waitForMail(user.email, { subject: /reset/i, since })));
    const notice = await waitForMail(user.email, { subject: /password was changed/i, since });
    const attacker = await newIsolatedContext(browser);
    await signInViaApi(attacker, user.email, NEW_PASSWORD);
    const attackerPage = await attacker.newPage();
    await attackerPage.goto("/account");
    await expect(attackerPage.getByTestId("account-email")).toHaveText(user.email);

    const owner = await newIsolatedContext(browser);
    const ownerPage = await owner.newPage();
    await ownerPage.goto(linkIn(notice));
    await ownerPage.getByRole("button", { name: "Continue to reset password" }).click();
    await expect(ownerPage).toHaveURL(/\/reset-password\?compromised=1/);
    await expect(ownerPage.getByText("We signed your account out on every other device")).toBeVisible();
    // Already now (before any new password), the attacker's session is gone: its API calls get 401 and its next
    // navigation lands on sign-in.
    expect((await attackerPage.request.get(`${APP_URL}/api/my/account`)).status()).toBe(401);
    await attackerPage.goto("/account");
    await expect(attackerPage).toHaveURL(/\/login/);

    await fillNewPassword(ownerPage, "sapphire-otter-window-77", "Change password");
    await expect(ownerPage.getByText("Your password has been changed")).toBeVisible();
    expect(await canSignIn(ownerPage, user.email, NEW_PASSWORD)).toBe(false);
    await attacker.close();
    await owner.close();
  });

  test("a reset page without a valid recovery session times out with a way to get a new link", async ({ page }) => {
    await page.clock.install();
    await page.goto("/reset-password");
    await expect(page.getByText("Checking your reset link")).toBeVisible();
    await page.clock.fastForward(11_000);
    await expect(errorAlert(page)).toContainText("could not verify this reset link");
    await page.getByRole("link", { name: "Send me a new link" }).click();
    await expect(page).toHaveURL(/\/forgot-password$/);
  });

  test("an expired or tampered confirm link explains what to do next", async ({ page }) => {
    await page.goto(`/auth/confirm?token_hash=${"0".repeat(56)}&type=recovery`);
    await page.getByRole("button", { name: "Continue to reset password" }).click();
    await expect(page).toHaveURL(/status=expired/);
    await expect(errorAlert(page)).toContainText("expired or has already been used");
    await page.goto("/auth/confirm?token_hash=<script>&type=recovery");
    await expect(errorAlert(page)).toContainText("This link is not valid");
    await expect(page.getByRole("button", { name: /Continue/ })).toHaveCount(0);
  });
});
