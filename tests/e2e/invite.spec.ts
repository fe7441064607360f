/** Invitation acceptance through the real mail catcher (invite sent with the admin API), and broken invite links. */
import { expect, test } from "@playwright/test";
import { accessTokenOf, admin, APP_URL, errorAlert, expectNoCspViolations, fillNewPassword, isolateIp, linkIn, STRONG_PASSWORD, uniqueEmail, waitForMail, watchCsp } from "./journey-helpers";

test.describe("invitation", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("invitee opens the mail link, accepts on the interstitial, sets a password and can sign in", async ({ page }) => {
    const csp = watchCsp(page);
    const email = uniqueEmail("invitee");
    const since = Date.now();
    const { error } = await admin().auth.admin.inviteUserByEmail(email, { redirectTo: `${APP_URL}/invite` });
    expect(error).toBeNull();
    const link = linkIn(await waitForMail(email, { subject: /invite/i, since }));
    expect(new URL(link).searchParams.get("type")).toBe("invite");

    await page.goto(link);
    await expect(page.getByRole("heading", { name: "Accept your invitation" })).toBeVisible();
    await page.getByRole("button", { name: "Accept invitation" }).click();
    await expect(page).toHaveURL(/\/invite\?step=set-password$/);
    // The session exists before the set-password form is shown.
    await expect(page.getByTestId("invite-email")).toHaveText(email);
    await fillNewPassword(page, STRONG_PASSWORD, "Set password");
    await expect(page.getByText("Your password is set")).toBeVisible();
    await page.getByRole("link", { name: "Continue to your account" }).click();
    await expect(page.getByTestId("account-email")).toHaveText(email);
    expectNoCspViolations(csp);
  });

  test("common passwords are refused before anything is sent", async ({ page }) => {
    const email = uniqueEmail("invitee-weak");
    const since = Date.now();
    await admin().auth.admin.inviteUserByEmail(email, { redirectTo: `${APP_URL}/invite` });
    await page.goto(linkIn(await waitForMail(email, { subject: /invite/i, since })));
    await page.getByRole("button", { name: "Accept invitation" }).click();
    let updates = 0;
    page.on("request", (r) => {
      if (r.url().includes("/auth/v1/user") && r.method() === "PUT") updates++;
    });
    await fillNewPassword(page, "password123", "Set password");
    await expect(page.getByText("This password is too common")).toBeVisible();
    await fillNewPassword(page, "short", "Set password");
    await expect(page.getByText(/at least 8 characters/)).toBeVisible();
    expect(updates).toBe(0);
    // Skipping the form does not help: the auth gateway enforces the same rules (GoTrue's weak_password shape).
    const direct = await page.request.put(`${APP_URL}/auth/v1/user`, {
      headers: { authorization: `Bearer ${await accessTokenOf(page.context())}`, apikey: "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH" },
      data: { password: "password123" },
    });
    expect(direct.status()).toBe(422);
    expect(await direct.json()).toMatchObject({ code: "weak_password", weak_password: { reasons: ["pwned"] } });
  });

  test("legacy and broken invite links explain what to do next", async ({ page }) => {
    await page.goto(`/invite?token_hash=${"a".repeat(56)}&type=invite`);
    await expect(errorAlert(page)).toContainText("expired or has already been used");
    await expect(page.getByText("Ask the person who invited you")).toBeVisible();
    // The token is removed from the address bar once processed.
    await expect(page).toHaveURL(/\/invite$/);
    await page.goto("/invite?token=%3Cscript%3E&type=invite");
    await expect(errorAlert(page)).toContainText("This link is not valid");
    await page.goto("/invite");
    await expect(errorAlert(page)).toContainText("This link is incomplete");
  });
});
