/** TOTP enrolment on /account, then sign-in requires the code (codes from otplib). */
import { expect, test, type Page } from "@playwright/test";
import { generate } from "otplib";
import { createUser, errorAlert, expectAccessible, expectNoCspViolations, screenshots, isolateIp, signInViaApi, watchCsp } from "./journey-helpers";

const code = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function passwordStep(page: Page, email: string, password: string) {
  await page.goto("/login");
  await expect(page.locator("form[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe("two-step verification", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("enrol an authenticator, then sign-in asks for the code; a wrong code is refused", async ({ page, context }, testInfo) => {
    const csp = watchCsp(page);
    const user = await createUser("mfa");
    await signInViaApi(context, user.email, user.password);
    await page.goto("/account");
    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.getByLabel("Code from the app").fill(await code(secret));
    await page.getByRole("button", { name: "Turn on two-step verification" }).click();
    await expect(page.getByTestId("mfa-status")).toHaveText("Two-step verification is on.");

    // New browser session: password alone is not enough.
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await expect(page).toHaveURL(/\/login$/);
    await passwordStep(page, user.email, user.password);
    await expect(page.getByLabel("Authentication code")).toBeVisible();
    await expectAccessible(page, "login-mfa-step", testInfo);
    await screenshots(page, "login-mfa-step", testInfo);
    // Skipping the code step does not open the account: /account sends the aal1 session back to the code step.
    await page.goto("/account");
    await expect(page).toHaveURL(/\/login\?mfa=1/);
    await expect(page.getByLabel("Authentication code")).toBeVisible();
    // The enrolment used this time step's code and codes are single-use: sign in with the next step's code
    // (the server accepts one step of skew).
    const current = await code(secret, 1);
    await page.getByLabel("Authentication code").fill(current === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(errorAlert(page)).toContainText("That code is not valid");
    await page.getByLabel("Authentication code").fill(current);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId("mfa-status")).toBeVisible();
    expectNoCspViolations(csp);
  });

  test("when sign-in is limited, the page says for how long", async ({ page }) => {
    const user = await createUser("limited");
    for (let i = 0; i < 6; i++) {
      await passwordStep(page, user.email, `wrong-password-${i}`);
      await expect(errorAlert(page)).not.toBeEmpty();
      if (/Too many/.test((await errorAlert(page).textContent()) ?? "")) break;
    }
    await expect(errorAlert(page)).toContainText(/Too many sign-in attempts\. Try again in \d+ (minute|second)s?\./);
  });
});
