/** Forgot-password for an unknown email looks identical to a known one: same status, body, screen, about the same time. */
import { expect, test } from "@playwright/test";
import { APP_URL, createUser, isolateIp, testIp, uniqueEmail } from "./journey-helpers";

test.describe("forgot password", () => {
  test.beforeEach(async ({ context }) => {
    await isolateIp(context);
  });

  test("unknown and known addresses get the same answer in about the same time", async ({ page, playwright }) => {
    const known = await createUser("forgot-known");
    const api = await playwright.request.newContext({ baseURL: APP_URL, extraHTTPHeaders: { origin: APP_URL } });
    // Each request from its own address (the per-IP recover limit is 5 per 15 min); one warm-up first.
    const measure = async (email: string) => {
      const started = performance.now();
      const res = await api.post("/forgot-password/request", { data: { email }, headers: { "x-forwarded-for": testIp() } });
      return { status: res.status(), body: await res.text(), ms: performance.now() - started };
    };
    await measure(uniqueEmail("forgot-warmup"));
    const knownRuns = [];
    const unknownRuns = [];
    for (let i = 0; i < 3; i++) {
      knownRuns.push(await measure(known.email));
      unknownRuns.push(await measure(uniqueEmail("forgot-unknown")));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
    const a = knownRuns[0]!;
    for (const r of [...knownRuns, ...unknownRuns]) {
      expect(r.status).toBe(200);
      expect(r.body).toBe(a.body);
    }
    const [k, u] = [median(knownRuns.map((r) => r.ms)), median(unknownRuns.map((r) => r.ms))];
    expect(Math.abs(k - u), `median known ${k.toFixed(0)} ms vs unknown ${u.toFixed(0)} ms`).toBeLessThan(250);
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
