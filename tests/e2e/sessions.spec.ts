/** Two browsers signed in; one revokes the other from /account → the other's API calls get 401 within 1 s. */
import { expect, test } from "@playwright/test";
import { APP_URL, createUser, expectNoCspViolations, isolateIp, newIsolatedContext, signInViaApi, watchCsp } from "./journey-helpers";

test.describe("sessions", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("revoking the other session from /account: its API calls 401 within 1 s, its next navigation lands on login", async ({ browser }) => {
    const user = await createUser("sessions");
    const a = await newIsolatedContext(browser, { userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36" });
    const b = await newIsolatedContext(browser, { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1" });
    await signInViaApi(a, user.email, user.password);
    await signInViaApi(b, user.email, user.password);
    const pageA = await a.newPage();
    const pageB = await b.newPage();
    const csp = watchCsp(pageA);
    await pageB.goto("/account");
    await expect(pageB.getByTestId("account-email")).toHaveText(user.email);
    expect((await pageB.request.get(`${APP_URL}/api/my/account`)).status()).toBe(200);

    await pageA.goto("/account");
    await expect(pageA.getByTestId("session-current")).toHaveCount(1);
    await expect(pageA.getByTestId("session-other")).toHaveCount(1);
    await pageA.getByTestId("session-other").getByRole("button", { name: /Sign out/ }).click();
    const revokedAt = Date.now();
    await expect(pageA.getByText("The session was signed out.")).toBeVisible();
    await expect(pageA.getByTestId("session-other")).toHaveCount(0);

    // B's API calls are refused within 1 s of the click's answer.
    let status = 0;
    while (Date.now() - revokedAt < 1000) {
      status = (await pageB.request.get(`${APP_URL}/api/my/account`)).status();
      if (status === 401) break;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1500);
    await pageB.goto("/account");
    await expect(pageB).toHaveURL(/\/login/);
    // A is unaffected.
    await pageA.reload();
    await expect(pageA.getByTestId("account-email")).toHaveText(user.email);
    expectNoCspViolations(csp);
    await a.close();
    await b.close();
  });

  test("sign out everywhere ends this session too", async ({ page, context }) => {
    const user = await createUser("sessions-all");
    await signInViaApi(context, user.email, user.password);
    await page.goto("/account");
    const signOut = page.waitForResponse((r) => r.url().endsWith("/auth/sign-out") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    const response = await signOut;
    const headers = await response.allHeaders();
    expect(headers["clear-site-data"]).toContain('"cookies"');
    // The SSO cookie is cleared too (Max-Age=0, same attributes as when it was set).
    expect((await response.headersArray()).filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value).join("\n")).toMatch(/mindroom_jwt=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/account");
    await expect(page).toHaveURL(/\/login/);
  });
});
