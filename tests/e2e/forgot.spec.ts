/** Forgot-password for an unknown email looks identical to a known one: same status, body, screen, about the same time. */
import { expect, test } from "@playwright/test";
import { APP_URL, createUser, isolateIp, testIp, uniqueEmail } from "./journey-helpers";

test.describe("forgot password", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("unknown and known addresses get the same answer in about the same time", async ({ page, playwright }) => {
    const known = await createUser("forgot-known");
    const unknown = uniqueEmail("forgot-unknown");
    const api = await playwright.request.newContext({ baseURL: APP_URL, extraHTTPHeaders: { origin: APP_URL, "x-forwarded-for": testIp() } });
    const measure = async (email: string) => {
      const started = performance.now();
      const res = await api.post("/forgot-password/request", { data: { email } });
      return { status: res.status(), body: await res.text(), ms: performance.now() - started };
    };
    const a = await measure(known.email);
    const b = await measure(unknown);
    expect(b.status).toBe(a.status);
    expect(b.body).toBe(a.body);
    expect(a.status).toBe(200);
    expect(Math.abs(a.ms - b.ms), `known ${a.ms.toFixed(0)} ms vs unknown ${b.ms.toFixed(0)} ms`).toBeLessThan(300);
    expect((await api.post("/forgot-password/request", { data: { email: "not-an-email" } })).status()).toBe(400);
    expect((await api.post("/forgot-password/request", { data: { email: known.email }, headers: { origin: "https://evil.example" } })).status()).toBe(403);
    await api.dispose();

    // The screen for an unknown address shows exactly the reply a known address gets.
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(uniqueEmail("forgot-unknown-ui"));
    await page.getByRole("button", { name: "Send reset link" }).click();
    const status = page.getByRole("status").filter({ hasText: "If an account exists" });
    await expect(status).toHaveText((JSON.parse(a.body) as { message: string }).message);
  });
});
