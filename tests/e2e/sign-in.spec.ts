import { createTestUser, demoUser, expect, signIn, submitLogin, test } from "./fixtures";

test.describe("sign in and out", () => {
  test("demo user signs in, sees the account, signs out, and the account is closed again", async ({ page }) => {
    await signIn(page, demoUser);
    await expect(page.getByTestId("signed-in-as")).toHaveText(demoUser.email);

    // Sign-out is a POST from the header; the response clears site data and sends us to /login.
    const signOut = page.waitForResponse((r) => r.url().endsWith("/auth/sign-out") && r.request().method() === "POST");
    await page.getByRole("banner").getByRole("button", { name: "Sign out", exact: true }).click();
    const response = await signOut;
    expect(response.status()).toBe(303);
    expect((await response.allHeaders())["clear-site-data"]).toBe('"cache", "cookies", "storage"');
    await expect(page).toHaveURL(/\/login$/);

    await page.goto("/account");
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });

  test("a wrong password shows the generic error and no session", async ({ page }) => {
    const user = await createTestUser();
    await submitLogin(page, { email: user.email, password: "not-the-password" });
    await expect(page.locator("#login-error")).toHaveText("Email or password is incorrect.");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    await page.goto("/account");
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  });

  test("sign-out refuses GET and cross-origin POSTs", async ({ request }) => {
    expect((await request.get("/auth/sign-out", { maxRedirects: 0 })).status()).toBe(405);
    const crossSite = await request.post("/auth/sign-out", { headers: { origin: "https://evil.example" }, maxRedirects: 0 });
    expect(crossSite.status()).toBe(403);
  });

  test("next is honoured only as a same-origin path", async ({ page }) => {
    await submitLogin(page, await createTestUser(), "//evil.example/steal");
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/account$/);
  });
});
