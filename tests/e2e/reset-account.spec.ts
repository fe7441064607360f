/** Changing the password on /account needs the current password (ASVS 6.2.3) and sends the password-changed mail. */
import { expect, test } from "@playwright/test";
import { APP_URL, NEW_PASSWORD, STRONG_PASSWORD, accessTokenOf, createUser, errorAlert, isolateIp, signInViaApi, waitForMail } from "./journey-helpers";

test.describe("change password on /account", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("wrong current password is refused; the right one changes it and mails the owner", async ({ page, context }) => {
    const user = await createUser("change");
    await signInViaApi(context, user.email, user.password);
    await page.goto("/account");
    const section = page.getByRole("region", { name: "Change password" });
    await section.getByLabel("Current password").fill("not-my-password-at-all");
    await section.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await section.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await section.getByRole("button", { name: "Change password" }).click();
    await expect(errorAlert(page).filter({ hasText: "current password is not correct" })).toBeVisible();

    // Skipping the form: a password session cannot set a new password without the current one.
    const direct = await page.request.put(`${APP_URL}/auth/v1/user`, {
      headers: { authorization: `Bearer ${await accessTokenOf(context)}`, apikey: "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH" },
      data: { password: "lighthouse-meadow-copper-58" },
    });
    expect(direct.status()).toBe(400);
    expect(await direct.json()).toMatchObject({ code: "current_password_required" });

    const since = Date.now();
    await section.getByLabel("Current password").fill(STRONG_PASSWORD);
    await section.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await section.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await section.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByText("Your password has been changed")).toBeVisible();
    await waitForMail(user.email, { subject: /password was changed/i, since });
  });
});
