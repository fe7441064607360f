/**
 * Shared e2e fixtures: demo accounts (seeded by scripts/e2e-server.ts) and the sign-in step other journeys reuse.
 */
import { expect, type Page } from "@playwright/test";
import { DEMO_USERS, type DemoUser } from "../../scripts/seed";

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
