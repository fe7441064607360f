/**
 * Every page: axe-core with 0 serious/critical violations, screenshots at desktop (1280) and mobile (390) width
 * attached to the report, and 0 CSP violations in the console.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, createUser, errorAlert, expectAccessible, expectNoCspViolations, isolateIp, screenshots, signInViaApi, watchCsp } from "./journey-helpers";

const PUBLIC_PAGES: Array<[string, string, (page: Page) => Promise<void>]> = [
  ["login", "/login", async (p) => void (await expect(p.getByRole("heading", { name: "Sign in" })).toBeVisible())],
  ["forgot-password", "/forgot-password", async (p) => void (await expect(p.getByRole("heading", { name: "Reset your password" })).toBeVisible())],
  ["confirm-interstitial", `/auth/confirm?token_hash=${"a".repeat(56)}&type=recovery`, async (p) => void (await expect(p.getByRole("button", { name: "Continue to reset password" })).toBeVisible())],
  ["confirm-expired", "/auth/confirm?status=expired&type=recovery", async (p) => void (await expect(errorAlert(p)).toBeVisible())],
  ["invite-invalid", "/invite", async (p) => void (await expect(errorAlert(p)).toContainText("incomplete"))],
  ["reset-password-waiting", "/reset-password", async (p) => void (await expect(p.getByText("Checking your reset link")).toBeVisible())],
];

test.describe("accessibility, screenshots and CSP on every page", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  for (const [name, path, ready] of PUBLIC_PAGES) {
    test(name, async ({ page }, testInfo) => {
      const csp = watchCsp(page);
      await page.goto(path);
      await ready(page);
      await expectAccessible(page, name, testInfo);
      await screenshots(page, name, testInfo);
      expectNoCspViolations(csp);
    });
  }

  test("account (signed in) and the TOTP enrolment step", async ({ page, context }, testInfo) => {
    const csp = watchCsp(page);
    const user = await createUser("a11y");
    await signInViaApi(context, user.email, user.password);
    await page.goto("/account");
    await expect(page.getByTestId("sessions")).toBeVisible();
    await expectAccessible(page, "account", testInfo);
    await screenshots(page, "account", testInfo);
    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    await expect(page.getByTestId("totp-secret")).toBeVisible();
    await expectAccessible(page, "account-mfa-enrol", testInfo);
    await screenshots(page, "account-mfa-enrol", testInfo);
    expectNoCspViolations(csp);
  });

  test("reset-password form (recovery session) with the strength meter", async ({ page }, testInfo) => {
    const csp = watchCsp(page);
    const user = await createUser("a11y-reset");
    const { data } = await admin().auth.admin.generateLink({ type: "recovery", email: user.email });
    await page.goto(`/auth/confirm?token_hash=${data.properties!.hashed_token}&type=recovery`);
    await page.getByRole("button", { name: "Continue to reset password" }).click();
    await page.getByLabel("New password", { exact: true }).fill("correct horse battery");
    await expect(page.getByTestId("strength-label")).toBeVisible();
    await expectAccessible(page, "reset-password-form", testInfo);
    await screenshots(page, "reset-password-form", testInfo);
    expectNoCspViolations(csp);
  });
});
